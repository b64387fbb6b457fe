"""The digest of what a run read: it changes with everything the readers look at, and a
file that changed while the run read it makes no digest at all."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from compiler.core.witness import RACY_NS, Watched, code_fingerprint, digest

HOUR_NS = 3_600 * 10**9


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "out"
    (root / "kubernetes" / "apps").mkdir(parents=True)
    (root / "kubernetes" / "apps" / "app.yaml").write_text("kind: ConfigMap\n")
    (root / "docs").mkdir()
    (root / "docs" / "backups.md").write_text("# Backups\n")
    (root / "notes.txt").write_text("not read\n")
    return root


def _of(root: Path, tree: bool = True) -> str | None:
    return digest([Watched(str(root), tree)])


def _replace_with_a_file(root: Path) -> None:
    shutil.rmtree(root)
    root.write_text("")


CHANGES: dict[str, Callable[[Path], object]] = {
    "a manifest's text": lambda r: (r / "kubernetes/apps/app.yaml").write_text("kind: Secret\n"),
    "a page's text": lambda r: (r / "docs/backups.md").write_text("# Changed\n"),
    "a new file of any name": lambda r: (r / "kubernetes/README").write_text(""),
    "a removed file": lambda r: (r / "notes.txt").unlink(),
    "a new folder": lambda r: (r / "kubernetes/new").mkdir(),
    "a file renamed": lambda r: (r / "docs/backups.md").rename(r / "docs/other.md"),
    "a link": lambda r: (r / "kubernetes/link.yaml").symlink_to("apps/app.yaml"),
    "a Kustomization": lambda r: (r / "Kustomization").write_text("resources: []\n"),
    "the root removed": shutil.rmtree,
    "the root a file": _replace_with_a_file,
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_change_a_reader_sees_changes_the_digest(tmp_path: Path, change: str) -> None:
    root = _tree(tmp_path)
    before = _of(root)
    assert before is not None and _of(root) == before  # the same tree: the same digest
    CHANGES[change](root)
    assert _of(root) not in (before, None)


def test_what_no_reader_opens_is_seen_by_name_only(tmp_path: Path) -> None:
    """A file the readers never open (not YAML, Markdown or a Kustomization) changes the
    digest when it comes or goes, not when its content does; the tree reader never looks
    into a hidden folder, the policy reader does."""
    root = _tree(tmp_path)
    before, policies = _of(root), _of(root, tree=False)
    (root / "notes.txt").write_text("other text, read by no one\n")
    (root / ".git").mkdir()
    (root / ".git" / "index.yaml").write_text("changes with every commit\n")
    assert _of(root) == before
    assert _of(root, tree=False) != policies


def test_a_link_is_seen_by_its_target_and_the_text_behind_it(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    (tmp_path / "elsewhere.yaml").write_text("a: 1\n")
    (root / "policy.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    before = _of(root, tree=False)
    (tmp_path / "elsewhere.yaml").write_text("a: 2\n")
    changed = _of(root, tree=False)
    (root / "policy.yaml").unlink()
    (root / "policy.yaml").symlink_to(root / "kubernetes/apps/app.yaml")
    assert len({before, changed, _of(root, tree=False)}) == 3


def test_a_fifo_named_like_a_manifest_does_not_block(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    os.mkfifo(root / "kubernetes" / "pipe.yaml")
    assert _of(root) is not None


def test_an_input_modified_while_the_run_read_it_gives_no_digest(tmp_path: Path) -> None:
    """A run remembered from a file that changed under it would replay the old answer for
    the new text: a modification after the run's start (or just before it: file systems
    keep coarse times) makes no digest."""
    root = _tree(tmp_path)
    now = time.time_ns()
    assert digest([Watched(str(root), True)], newer_than=now) is None
    old = (now - 2 * RACY_NS) / 1e9
    for path in (root, *root.rglob("*")):
        os.utime(path, (old, old))
    assert digest([Watched(str(root), True)], newer_than=now) == _of(root)
    (root / "kubernetes" / "apps" / "app.yaml").write_text("kind: ConfigMap\n")
    assert digest([Watched(str(root), True)], newer_than=now) is None


def test_the_code_fingerprint_changes_with_a_file_of_the_compiler(tmp_path: Path) -> None:
    package = tmp_path / "compiler"
    (package / "__pycache__").mkdir(parents=True)
    (package / "stage.py").write_text("A = 1\n")
    before = code_fingerprint([str(package)])
    (package / "__pycache__" / "stage.cpython-311.pyc").write_bytes(b"bytecode")
    assert code_fingerprint([str(package)]) == before  # bytecode is made from the source
    (package / "stage.py").write_text("A = 22\n")
    assert code_fingerprint([str(package)]) != before
