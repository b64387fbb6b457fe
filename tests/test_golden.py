"""Golden output (syrupy): the compiled tree of the small acceptance repo, file by file."""

from __future__ import annotations

from pathlib import Path

from syrupy.assertion import SnapshotAssertion

from compiler.config import RunConfig
from compiler.pipeline.build import build

BASE = Path(__file__).parent / "cases" / "base"


def test_base_repo_compiles_to_the_golden_tree(snapshot: SnapshotAssertion) -> None:
    result = build(RunConfig(policies=BASE / "policies", output=BASE / "out"))
    assert not result.diagnostics.items
    assert result.outputs == snapshot
