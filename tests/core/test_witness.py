"""The digest of what a run read: it changes with everything the readers look at, and a
file that changed while the run read it makes no digest at all."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from compiler.core.witness import Watched, code_fingerprint, digest, names_fingerprint


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "out"
    (root / "kubernetes" / "apps").mkdir(parents=True)
    (root / "kubernetes" / "apps" / "app.yaml").write_text("kind: ConfigMap\n")
    (root / "docs").mkdir()
    (root / "docs" / "backups.md").write_text("# Backups\n")
    (root / "notes.txt").write_text("not read\n")
    (root / "docs.txt").write_text("")  # listed right after the folder docs
    return root


def _of(root: Path, tree: bool = True) -> str:
    watched = Watched(str(root), "tree") if tree else Watched(str(root), "policies", 10**6)
    return digest([watched], str(root.parent))


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
    # a folder's last entry and its sibling's first hash alike without an end to the listing
    "a file moved into the folder before it": lambda r: (r / "docs.txt").rename(
        r / "docs/docs.txt"
    ),
    "the root removed": shutil.rmtree,
    "the root a file": _replace_with_a_file,
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_change_a_reader_sees_changes_the_digest(tmp_path: Path, change: str) -> None:
    root = _tree(tmp_path)
    before = _of(root)
    assert _of(root) == before  # the same tree: the same digest
    CHANGES[change](root)
    assert _of(root) != before


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


def test_a_file_copied_back_with_its_old_time_is_seen_by_its_content(tmp_path: Path) -> None:
    """cp -p, touch -r and rsync -t set a file's time back: the digest reads no times."""
    root = _tree(tmp_path)
    path = root / "kubernetes" / "apps" / "app.yaml"
    before, times = _of(root), path.stat()
    path.write_text("kind: Secrets\n"[:-2] + "p\n")  # the same size
    os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))
    assert _of(root) != before


def test_a_link_is_seen_by_what_it_points_to(tmp_path: Path) -> None:
    """A link to a folder, and the same link once the folder is gone: the tree reader
    takes the one as a folder of the build, the other as nothing (BP409 says which)."""
    root = _tree(tmp_path)
    (tmp_path / "shared").mkdir()
    (root / "extra").symlink_to(tmp_path / "shared")
    before = _of(root)
    (tmp_path / "shared").rmdir()
    assert _of(root) != before


def test_a_special_file_is_seen_by_its_kind(tmp_path: Path) -> None:
    """A FIFO and a socket of the same name are read as different errors."""
    root = _tree(tmp_path)
    path = root / "kubernetes" / "odd.yaml"
    os.mkfifo(path)
    before = _of(root)
    path.unlink()
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        assert _of(root) != before


def test_the_code_fingerprint_changes_with_a_file_of_the_compiler(tmp_path: Path) -> None:
    package = tmp_path / "compiler"
    (package / "__pycache__").mkdir(parents=True)
    (package / "stage.py").write_text("A = 1\n")
    before = code_fingerprint([str(package)])
    (package / "__pycache__" / "stage.cpython-311.pyc").write_bytes(b"bytecode")
    assert code_fingerprint([str(package)]) == before  # bytecode is made from the source
    (package / "stage.py").write_text("A = 22\n")
    assert code_fingerprint([str(package)]) != before


def test_the_names_fingerprint_sees_a_zone_come_or_go_at_any_depth(tmp_path: Path) -> None:
    """Whether a time zone exists is what the policy models ask the database."""
    zones = tmp_path / "zoneinfo"
    (zones / "America" / "Argentina").mkdir(parents=True)
    (zones / "America" / "Argentina" / "Salta").write_bytes(b"TZif")
    before = names_fingerprint([str(zones)])
    (zones / "America" / "Argentina" / "Salta").write_bytes(b"TZif, other data")
    assert names_fingerprint([str(zones)]) == before  # the zone still exists
    (zones / "America" / "Argentina" / "Salta").unlink()
    assert names_fingerprint([str(zones)]) != before


def test_nothing_outside_the_repository_is_opened(tmp_path: Path) -> None:
    """The policy loader refuses a link out of the repository without reading it: the
    digest sees where the link points, not what is there."""
    repository, outside = tmp_path / "repo", tmp_path / "outside.yaml"
    (repository / "policies").mkdir(parents=True)
    outside.write_text("a: 1\n")
    (repository / "policies" / "x.yaml").symlink_to(outside)
    watched = [Watched(str(repository / "policies"), "policies", 1000)]
    before = digest(watched, str(repository))
    outside.write_text("a: 2\n")
    assert digest(watched, str(repository)) == before


def test_a_file_is_hashed_as_far_as_its_reader_reads_it(tmp_path: Path) -> None:
    """A policy over the run's limit is refused by its size; a tree file over what the
    tree reader reads by its size and first bytes: a sparse 4 GB file is not read."""
    folder = tmp_path / "policies"
    folder.mkdir()
    big = folder / "big.yaml"
    with big.open("wb") as stream:
        stream.truncate(4 * 1024**3)
    policies = [Watched(str(folder), "policies", 1000)]
    tree = [Watched(str(folder), "tree")]
    before = (digest(policies, str(tmp_path)), digest(tree, str(tmp_path)))
    with big.open("r+b") as stream:
        stream.seek(2 * 1024**3)
        stream.write(b"x")  # past the head: neither reader sees it
    assert (digest(policies, str(tmp_path)), digest(tree, str(tmp_path))) == before
    with big.open("r+b") as stream:
        stream.truncate(4 * 1024**3 + 1)
    assert digest(policies, str(tmp_path)) != before[0]


def test_a_root_the_run_did_not_read_is_not_walked(tmp_path: Path) -> None:
    """An output root the run refused (a link out of the repository: BP106) is seen by
    where it points, never walked (it could be /)."""
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out").symlink_to(tmp_path / "elsewhere")
    watched = [Watched(str(tmp_path / "out"), "root")]
    before = digest(watched, str(tmp_path / "repo"))
    (tmp_path / "elsewhere" / "x.yaml").write_text("a: 1\n")
    assert digest(watched, str(tmp_path / "repo")) == before
    (tmp_path / "out").unlink()
    (tmp_path / "out").symlink_to(tmp_path)
    assert digest(watched, str(tmp_path / "repo")) != before


def test_a_large_tree_file_is_read_only_when_it_is_generated(tmp_path: Path) -> None:
    """Over 2 MiB the tree reader peeks at a file's head and reads it only when it starts
    with the generated header (a generated docs page); the digest does the same."""
    folder = tmp_path / "out"
    folder.mkdir()
    tree = [Watched(str(folder), "tree")]
    for head, seen in (
        (b"# a vendored bundle\n", False),
        (b"# Generated by backup-policy\n", True),
    ):
        path = folder / "large.yaml"
        path.write_bytes(head + b"x" * (3 * 1024 * 1024))
        before = digest(tree, str(tmp_path))
        with path.open("r+b") as stream:
            stream.seek(2 * 1024 * 1024)
            stream.write(b"y")  # past the head
        assert (digest(tree, str(tmp_path)) != before) is seen
