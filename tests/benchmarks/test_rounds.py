"""The benchmark compiles its sizes in rounds, in alternating order, and keeps every copy
until the run ends (benchmarks/__main__.py ``sizes``: a compile never follows a removal)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

import benchmarks.__main__ as bench
from benchmarks.figures import Figures


def test_rounds_alternate_the_sizes_and_keep_every_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def template(folder: Path, count: int) -> None:
        (folder / "policies").mkdir(parents=True)
        (folder / "policies" / "count").write_text(str(count))

    compiled: list[int] = []  # the services of each compile, in order

    def compile_copy(policies: Path, tracemalloc: bool, cache: dict[str, str]) -> Figures:
        compiled.append(int((policies / "count").read_text()))
        return Figures({"load": 1.0}, {"load": 1.0}, {}, {}, 0)

    monkeypatch.setattr(bench, "generate", template)
    monkeypatch.setattr(bench, "_compile", compile_copy)
    monkeypatch.setattr(bench, "_check", lambda root, cache: object())
    options = argparse.Namespace(repeat=3, tracemalloc=False, kustomize_runs=0)
    options.sizes = [10, 1000, 5000]
    found = bench.sizes(options, tmp_path)
    assert compiled == [10, 1000, 5000, 5000, 1000, 10, 10, 1000, 5000]
    assert [len(size.runs) for size in found] == [3, 3, 3]
    copies = sorted(p.name for p in tmp_path.glob("bp-bench-*/run-*"))
    assert copies == sorted(["run-0", "run-1", "run-2"] * 3)  # none removed before the run ends
