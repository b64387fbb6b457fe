"""Import a tree (a real-world one read from ../shared/realworld, copied to tmp_path first,
since import writes into the tree's repository)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from compiler.config import RunConfig
from compiler.pipeline.importer import ImportRequest, ImportResult, import_tree
from tests.conftest import TODAY, realworld_dir, require_tool

IGNORED = shutil.ignore_patterns(".git", "_at_HEAD")


def realworld_copy(name: str, tmp_path: Path) -> Path:
    """A copy of the real-world tree ``name`` in ``tmp_path/<name>`` (a git repository)."""
    source = realworld_dir() / name
    require_tool(f"the real-world fixture {source}", source.is_dir())
    tree = tmp_path / name
    shutil.copytree(source, tree, ignore=IGNORED)
    (tmp_path / ".git").mkdir()
    return tree


def run_import(tree: Path, output: Path | None = None) -> ImportResult:
    output = output or tree / "policies"
    config = RunConfig(policies=output, today=dt.date.fromisoformat(TODAY))
    return import_tree(config, ImportRequest(root=tree, output=output))
