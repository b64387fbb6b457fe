"""The write's containment check, each folder looked at once, says what a check of every
path on its own (resolved, then walked for links) says."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import pytest

from compiler.core.journal import TargetCheck, unsafe_target
from compiler.core.paths import inside, symlink_between


def _resolved_check(root: Path, rel: str) -> str:
    """The check as it was first written: two resolutions and a walk per path."""
    parts = PurePosixPath(rel).parts
    if not parts or PurePosixPath(rel).is_absolute() or ".." in parts:
        return "leaves the output root"
    if not inside((root / rel).parent, root):
        return "leaves the output root"
    link = symlink_between(root, Path(rel))
    return f"passes through the symbolic link {link}" if link is not None else ""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A root with a link out, a link in, a dangling link, a file and a deep folder."""
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "root"
    (root / "apps/web/backup").mkdir(parents=True)
    (root / "apps/web/backup/kustomization.yaml").write_text("")
    (root / "apps/file.yaml").write_text("")
    os.symlink(outside, root / "apps/out")
    os.symlink(root / "apps/web", root / "apps/in")
    os.symlink(root / "nowhere", root / "apps/dangling")
    os.symlink(outside / "f", root / "apps/web/linked.yaml")
    return root


TARGETS = [
    "apps/web/backup/kustomization.yaml",
    "apps/web/backup/new/deep/file.yaml",
    "apps/new/file.yaml",
    "apps/file.yaml/below.yaml",
    "apps/out/file.yaml",
    "apps/out",
    "apps/in/backup/kustomization.yaml",
    "apps/dangling/file.yaml",
    "apps/web/linked.yaml",
    "../escape.yaml",
    "apps/../../escape.yaml",
    "/etc/passwd",
    ".",
    "",
    "./apps/web/x.yaml",
    "apps//web/x.yaml",
    "apps/./out/x.yaml",
    "apps/web/backup/",
    "//etc/passwd",
    "apps/new/../../escape.yaml",
]


def test_one_check_for_many_targets_says_what_each_check_alone_says(root: Path) -> None:
    check = TargetCheck(root)
    for rel in TARGETS * 2:  # the second round is answered from what the first looked at
        assert check.problem(rel) == _resolved_check(root, rel), rel
        assert unsafe_target(root, rel) == _resolved_check(root, rel), rel


def test_a_link_is_never_written_through(root: Path) -> None:
    check = TargetCheck(root)
    assert check.problem("apps/out/file.yaml") == "leaves the output root"
    assert check.problem("apps/in/x.yaml").startswith("passes through the symbolic link")
    assert check.problem("apps/web/linked.yaml").startswith("passes through the symbolic link")
    assert check.problem("apps/web/backup/x.yaml") == ""
