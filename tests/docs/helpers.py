"""Compiles of (copies of) the example homelab for the docs tests, and the docs they write."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from compiler.config import RunConfig
from compiler.pipeline.build import BuildResult, build
from tests.conftest import REPO
from tests.litestream.example import copy_example, edit_yaml

DOCS = "docs"
PAGES = ("alerts.md", "backups.md", "disaster-recovery.md")
ANCHOR = re.compile(r'<a id="([^"]+)"></a>')


def compiled(root: Path) -> BuildResult:
    result = build(RunConfig(policies=root / "policies", output=root / "out"))
    assert result.outputs is not None, result.diagnostics.sorted()
    return result


@cache
def example() -> BuildResult:
    """The committed example, compiled in memory (nothing written)."""
    return compiled(REPO)


def docs_of(result: BuildResult, folder: str = DOCS) -> dict[str, str]:
    assert result.outputs is not None
    return {
        path.removeprefix(f"{folder}/"): text
        for path, text in result.outputs.items()
        if path.startswith(f"{folder}/")
    }


def with_docs(into: Path, **docs: Any) -> Path:
    """A copy of the example whose cluster policy's ``docs:`` block is ``docs``."""
    root = copy_example(into)

    def change(data: Any) -> None:
        data["spec"]["docs"] = docs

    edit_yaml(root / "policies" / "cluster.yaml", change)
    return root


def anchors(text: str) -> set[str]:
    return set(ANCHOR.findall(text))


def section(text: str, anchor: str) -> str:
    """The text from ``<a id="anchor">`` to the next anchor (sections have no inner ones)."""
    start = text.index(f'<a id="{anchor}"></a>') + len(anchor)
    end = text.find('<a id="', start)
    return text[start : end if end >= 0 else len(text)]
