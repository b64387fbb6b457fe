"""A git ref of the user's repository: the commit it names, and that commit's tree
exported into a folder (what ``diff --base`` compiles)."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path


class BaseUnavailable(Exception):
    """The git ref cannot be read (no git, no such ref, not a repository)."""


def _git(repository: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-C", str(repository), *args], capture_output=True, check=False, timeout=300
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise BaseUnavailable(f"cannot run git: {error}") from error


def _failure(done: subprocess.CompletedProcess[bytes], otherwise: str) -> str:
    """The last line git wrote on stderr, else ``otherwise``."""
    detail = done.stderr.decode(errors="replace").strip().splitlines()
    return detail[-1] if detail else otherwise


def resolve_base(repository: Path, ref: str) -> str:
    """The commit id ``ref`` names: only that id is handed to the git commands that follow.

    A ref is the user's text. One starting with '-' is refused before git runs at all: git
    would read it as an option (``--output=FILE`` makes ``git archive`` write over FILE);
    ``--end-of-options`` keeps ``rev-parse`` from reading any other as one.
    """
    if ref.startswith("-"):
        raise BaseUnavailable(f"--base {ref!r}: a git ref cannot start with '-'")
    done = _git(
        repository, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"
    )
    commit = done.stdout.decode(errors="replace").strip()
    if done.returncode != 0 or not commit:
        raise BaseUnavailable(f"git cannot read {ref!r}: {_failure(done, 'no such commit')}")
    return commit


def export_commit(repository: Path, commit: str, into: Path) -> None:
    """The tree of ``commit`` (an id from :func:`resolve_base`, ``git archive``) unpacked
    into ``into``."""
    listed = _git(repository, "ls-tree", "--name-only", commit)
    if listed.returncode == 0 and not listed.stdout:
        return  # an empty tree (a first `git commit --allow-empty`): tarfile refuses its archive
    done = _git(repository, "archive", "--format=tar", commit)
    if done.returncode != 0:
        raise BaseUnavailable(f"git cannot read {commit}: {_failure(done, 'failed')}")
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        archive.extractall(into, filter="data")
