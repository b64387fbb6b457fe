"""The journal of one all-or-nothing write: what it changes and where the old files wait.

A staging folder ``<home>/.backup-policy.staging-<random>`` (``home`` is the repository)
holds the new files (``new/<n>``), the files they replace or that are removed (``old/<n>``,
moved there, never copied) and ``journal.json``. The journal names the output root
(relative to the home), every operation in order (a target relative to the root, whether a
new file goes there, whether an old one was there) and the folders the write creates. It
is written whole or not at all (temporary file, fsync, rename, fsync of the folder), and a
second time with ``"state": "committed"`` once every rename is done: that is the commit
point. Staging paths are made from the operation's number, never read from the file, and
every target is checked like a write (inside the root, no symbolic link on the way), so a
journal that arrives in a pull request can move nothing anywhere else.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path, PurePosixPath
from typing import Any

from msgspec import Struct

from compiler.core.paths import LinkWalk, inside, symlink_between

JOURNAL_NAME = "journal.json"
FORMAT = 1
PENDING, COMMITTED = "pending", "committed"


class JournalError(ValueError):
    """A journal that cannot be read or names a path the compiler would never write."""


class Operation(Struct, frozen=True):
    """One target: ``new`` when a file is put there, ``old`` when one was there before."""

    target: str
    new: bool
    old: bool


class Journal(Struct, frozen=True):
    root: str
    operations: tuple[Operation, ...]
    created: tuple[str, ...] = ()
    state: str = PENDING


# The staging paths are text: a write of 5,000 files makes 10,000 of them, and pathlib's
# parsing was a third of the write's Python time.
def new_file(staging: str | os.PathLike[str], number: int) -> str:
    return f"{os.fspath(staging)}/new/{number}"


def old_file(staging: str | os.PathLike[str], number: int) -> str:
    return f"{os.fspath(staging)}/old/{number}"


def output_root(home: Path, journal: Journal) -> Path:
    return home / journal.root


class TargetCheck:
    """:func:`unsafe_target` for the many targets of one write, each folder on the way
    looked at once. Holds only while the folders below ``root`` do not change."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._links = LinkWalk(root)

    def problem(self, rel: str) -> str:
        """Why ``rel`` may not be written below the root ('' when it may): it must stay
        below the root, symbolic links resolved, and not pass through a link on the way."""
        parts = relative_parts(rel)
        if not parts or rel.startswith("/") or ".." in parts:
            return "leaves the output root"
        link = self._links.first_link(parts)
        if link is None:
            # No "..", and no link from the root down to rel (or to its first missing
            # part): rel resolves lexically, below the root. Nothing to resolve.
            return ""
        if not inside((self.root / rel).parent, self.root):
            return "leaves the output root"
        return f"passes through the symbolic link {link}"


_UNUSUAL_PARTS = frozenset(("", ".", ".."))


def relative_parts(rel: str) -> tuple[str, ...]:
    """``PurePosixPath(rel).parts``: split at once when every part is a name (every path a
    compile writes), by pathlib otherwise (it drops empty and ``.`` parts, keeps a root)."""
    parts = tuple(rel.split("/"))
    return parts if _UNUSUAL_PARTS.isdisjoint(parts) else PurePosixPath(rel).parts


def unsafe_target(root: Path, rel: str) -> str:
    """Why ``rel`` may not be written below ``root`` ('' when it may): see TargetCheck."""
    return TargetCheck(root).problem(rel)


def lock(staging: Path) -> int | None:
    """An open handle that holds the staging folder's lock; None while another process
    holds it. The kernel drops a lock when its process dies, so a killed run's folder is
    free for the next run to recover, and a live run's folder is never touched."""
    handle = os.open(staging, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(handle)
        return None
    return handle


def fsync_folder(folder: Path) -> None:
    """Make the names in ``folder`` (renames, new files) durable, not only their data."""
    handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def write_journal(staging: Path, journal: Journal) -> None:
    """Replace the journal in one step: a reader finds the previous one or this one."""
    data = {
        "format": FORMAT,
        "state": journal.state,
        "root": journal.root,
        "created": list(journal.created),
        "operations": [[op.target, op.new, op.old] for op in journal.operations],
    }
    temporary = staging / f"{JOURNAL_NAME}.tmp"
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps(data))  # json.dump would take the pure-Python encoder
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, staging / JOURNAL_NAME)
    fsync_folder(staging)


def read_journal(staging: Path, home: Path) -> Journal | None:
    """The journal of a staging folder; None when it was never written."""
    path = staging / JOURNAL_NAME
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        journal = _parsed(data)
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise JournalError(f"{path} cannot be read: {error}") from error
    _check_paths(home, journal)
    return journal


def _parsed(data: Any) -> Journal:
    if data["format"] != FORMAT or data["state"] not in (PENDING, COMMITTED):
        raise ValueError("unknown format or state")
    operations = tuple(
        Operation(_text(target), _flag(new), _flag(old)) for target, new, old in data["operations"]
    )
    created = tuple(_text(folder) for folder in data["created"])
    return Journal(_text(data["root"]), operations, created, data["state"])


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not a path")
    return value


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{value!r} is not true or false")
    return value


def _check_paths(home: Path, journal: Journal) -> None:
    root_parts = PurePosixPath(journal.root).parts
    if PurePosixPath(journal.root).is_absolute() or ".." in root_parts:
        raise JournalError(f"the journal's output root {journal.root} leaves {home}")
    root = output_root(home, journal)
    if not inside(root, home) or symlink_between(home, Path(journal.root)) is not None:
        raise JournalError(f"the journal's output root {journal.root} leaves {home}")
    targets = TargetCheck(root)
    for rel in (*(op.target for op in journal.operations), *journal.created):
        if problem := targets.problem(rel):
            raise JournalError(f"the journal names {rel}, which {problem}")
