"""The staging write's own bookkeeping: the folders it creates and the filesystem check,
answered from text paths and remembered per folder, say what a walk with pathlib says."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import pytest

from compiler.core import staging
from compiler.core.staging import StagingError, replace_files


def _missing_by_pathlib(root: Path, rels: list[str]) -> tuple[str, ...]:
    """Every folder on the way to each file that is not a folder yet, asked one by one."""
    missing = set()
    for rel in rels:
        parts = PurePosixPath(rel).parts[:-1]
        for depth in range(1, len(parts) + 1):
            folder = "/".join(parts[:depth])
            if not (root / folder).is_dir():
                missing.add(folder)
    return tuple(sorted(missing))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A root with a folder, a nested folder and a file where a folder could be."""
    root = tmp_path / "home" / "out"
    (root / "apps/web").mkdir(parents=True)
    (root / "apps/file.yaml").write_text("")
    return root


RELS = [
    "apps/web/a.yaml",
    "apps/web/new/deep/b.yaml",
    "apps/web/new/c.yaml",
    "apps/other/d.yaml",
    "apps/file.yaml/e.yaml",
    "top.yaml",
    "apps//web/f.yaml",
    "./apps/g/h.yaml",
    "docs/x/y/z/i.md",
]


def test_the_folders_to_create_are_those_a_walk_finds_missing(root: Path) -> None:
    rels = {rel: "" for rel in RELS}
    assert staging._missing_folders(root, rels) == _missing_by_pathlib(root, RELS)
    for count in range(1, len(RELS)):  # in any order: a folder looked at is never asked again
        order = RELS[count:] + RELS[:count]
        assert staging._missing_folders(root, dict.fromkeys(order, "")) == (
            _missing_by_pathlib(root, order)
        )


def test_a_new_folder_is_on_the_filesystem_of_its_nearest_existing_parent(root: Path) -> None:
    devices: dict[str, int] = {}
    device = os.stat(root).st_dev
    for folder in ("", "apps", "apps/web/new/deep", "apps/file.yaml", "docs/x/y"):
        assert staging._device(root, folder, devices) == device, folder
    assert {"apps/web/new", "docs/x", "docs"} <= devices.keys()  # remembered on the way up


def test_a_root_that_does_not_exist_yet_is_on_the_filesystem_of_its_parent(
    tmp_path: Path,
) -> None:
    devices: dict[str, int] = {}
    new_root = tmp_path / "new" / "out"
    assert staging._device(new_root, "", devices) == os.stat(tmp_path).st_dev
    assert staging._device(new_root, "apps/web", devices) == os.stat(tmp_path).st_dev


def test_a_target_under_a_file_fails_and_leaves_the_tree_as_it_was(root: Path) -> None:
    home = root.parent
    before = sorted(p.relative_to(home).as_posix() for p in home.rglob("*"))
    with pytest.raises(StagingError) as raised:
        replace_files(home, root, {"apps/web/a.yaml": "a\n", "apps/file.yaml/e.yaml": "e\n"}, ())
    assert raised.value.rolled_back
    assert sorted(p.relative_to(home).as_posix() for p in home.rglob("*")) == before
