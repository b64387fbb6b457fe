"""Stage, then commit: the files below an output root change all together or not at all.

:func:`replace_files` writes every new file into a staging folder of the home (the
repository, on the output root's filesystem, so that ``rename`` is atomic), flushes them to
disk and writes the journal (:mod:`compiler.core.journal`). Then, for each target in path
order, it moves the old file aside into the staging folder and renames the new one into
place; flushes the renames to disk; and marks the journal committed.

Durability: the disk is flushed with one ``os.sync()`` where each file and each folder
used to get its own ``fsync`` (thousands of them for a large tree): once after staging,
before the journal exists, so every new file's data is on disk before any rename; and
once after the renames, before the journal is marked committed, so the renames and the
created folders are on disk before the commit point. Linux's ``sync`` returns when the
data is written. The journal itself is still fsynced (file and folder) each time it is
written. So after a power loss the journal is absent (nothing was touched), pending (the
next run rolls back: each old file is at its place or in ``old/``, a rename being atomic) or
committed (every new file's data and every rename already on disk), as with one fsync per
file. The price: ``sync`` waits for every dirty file of the machine, not only ours,
but it is one wait where there were thousands.

Any exception before the commit mark rolls everything back at once
(:func:`compiler.core.recovery.settle`); a killed run is rolled back
by the next one. The folder is locked (``flock``) while its run lives.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from msgspec.structs import replace

from compiler.core.journal import (
    COMMITTED,
    Journal,
    JournalError,
    Operation,
    TargetCheck,
    lock,
    new_file,
    old_file,
    relative_parts,
    write_journal,
)
from compiler.core.paths import STAGING_PREFIX
from compiler.core.recovery import settle

# Ignored by git, so a folder left by a killed run is never committed by accident.
GITIGNORE = "# backup-policy's staging folder (removed by the next run): never commit it\n*\n"
NEW_FILE_MODE = 0o644  # the umask applies, as for any file a tool creates


class StagingError(Exception):
    """A write that failed: at which target ('' for the write as a whole), why, and
    whether the tree is already back as it was (else the next run rolls it back)."""

    def __init__(self, target: str, reason: str, rolled_back: bool = True) -> None:
        super().__init__(f"{target}: {reason}" if target else reason)
        self.target, self.reason, self.rolled_back = target, reason, rolled_back


def replace_files(home: Path, root: Path, writes: Mapping[str, str], deletes: Sequence[str]) -> str:
    """Write ``writes`` and remove ``deletes`` (paths relative to ``root``) as one change.

    Raises :class:`StagingError` with the tree as it was. Returns a warning ('' when all is
    well) when only the clean-up after the commit failed: the tree is new, the next run
    removes the staging folder.
    """
    if not writes and not deletes:
        return ""
    staging = _create_staging(home)
    handle = lock(staging)
    if handle is None:
        raise StagingError("", f"another backup-policy run took {staging}")
    try:
        try:
            committed = _commit(staging, root, _stage(staging, home, root, writes, deletes))
        except BaseException as error:
            _roll_back(staging, home, error)
        return _clean_up(staging, home, committed)
    finally:
        os.close(handle)


class _at:
    """An I/O error, told with the target it happened at. A class: the write enters one
    per file, and a generator-based context manager cost twice as much."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: BaseException | None, trace: object) -> None:
        if isinstance(error, OSError):
            raise StagingError(self.target, error.strerror or str(error)) from error


def _create_staging(home: Path) -> Path:
    with _at(""):
        return Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=home))


def _stage(
    staging: Path, home: Path, root: Path, writes: Mapping[str, str], deletes: Sequence[str]
) -> Journal:
    """Every new file in the staging folder, on disk, and the journal: the tree untouched."""
    targets = sorted({*writes, *deletes})
    with _at(""):
        (staging / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
        _check_targets(staging, root, targets)
        (staging / "new").mkdir()
        (staging / "old").mkdir()
    staging_text, root_text = os.fspath(staging), os.fspath(root)
    operations = tuple(
        _stage_one(staging_text, root_text, number, rel, writes.get(rel))
        for number, rel in enumerate(targets)
    )
    journal = Journal(_relative(root, home), operations, _missing_folders(root, writes))
    with _at(""):
        os.sync()  # every staged file's data and name, at once (module docstring)
        write_journal(staging, journal)
    return journal


def _check_targets(staging: Path, root: Path, targets: Sequence[str]) -> None:
    """Each target stays in the root, and lands on the staging folder's filesystem."""
    device = os.stat(staging).st_dev
    devices: dict[str, int] = {}  # per target folder: most targets share one
    check = TargetCheck(root)
    for rel in targets:
        if problem := check.problem(rel):
            raise StagingError(rel, problem)
        if _device(root, rel.rpartition("/")[0], devices) != device:
            reason = f"on another filesystem than {staging.parent}: no atomic rename there"
            raise StagingError(rel, reason)


def _device(root: Path, folder: str, devices: dict[str, int]) -> int:
    """The filesystem of ``folder`` below ``root``, or of its nearest existing parent
    (a folder the write creates lands where its parent is); remembered in ``devices``."""
    found = devices.get(folder)
    if found is None:
        try:
            found = os.stat(f"{os.fspath(root)}/{folder}" if folder else root).st_dev
        except (FileNotFoundError, NotADirectoryError):
            if not folder:  # the root itself is new
                return os.stat(_nearest_existing(root)).st_dev
            found = _device(root, folder.rpartition("/")[0], devices)
        devices[folder] = found
    return found


def _nearest_existing(folder: Path) -> Path:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _stage_one(staging: str, root: str, number: int, rel: str, text: str | None) -> Operation:
    with _at(rel):
        mode = _old_mode(f"{root}/{rel}", rel)
        if text is not None:
            _write_new(new_file(staging, number), text, mode)
    return Operation(rel, text is not None, mode is not None)


def _old_mode(path: str, rel: str) -> int | None:
    """The mode of the file at ``path`` (kept by its new version), None when there is none."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(status.st_mode):
        raise StagingError(rel, "not a regular file: never replaced")
    return stat.S_IMODE(status.st_mode)


def _write_new(path: str, text: str, mode: int | None) -> None:
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, NEW_FILE_MODE)
    with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
        stream.write(text)
        stream.flush()
        if mode is not None:
            os.fchmod(stream.fileno(), mode)
    # not fsynced one by one: _stage flushes every staged file with one sync


def _relative(root: Path, home: Path) -> str:
    try:
        return root.relative_to(home).as_posix()
    except ValueError:
        raise StagingError("", f"the output root {root} is not inside {home}") from None


def _missing_folders(root: Path, rels: Mapping[str, str]) -> tuple[str, ...]:
    """The folders new files need that do not exist yet, parents first."""
    root_text = os.fspath(root)
    missing: set[str] = set()
    looked: set[str] = set()  # each folder is asked once, not once per file in it
    for rel in rels:
        folder = "/".join(relative_parts(rel)[:-1])
        while folder and folder not in looked:  # a folder looked at had its parents looked at
            looked.add(folder)
            if not os.path.isdir(f"{root_text}/{folder}"):
                missing.add(folder)
            folder = folder.rpartition("/")[0]
    return tuple(sorted(missing))


def _commit(staging: Path, root: Path, journal: Journal) -> Journal:
    """Every rename, then the commit point: the journal marked committed (returned)."""
    staging_text, root_text = os.fspath(staging), os.fspath(root)
    for rel in journal.created:
        with _at(rel):
            os.mkdir(f"{root_text}/{rel}")
    for number, operation in enumerate(journal.operations):
        with _at(operation.target):
            _rename(staging_text, root_text, number, operation)
    with _at(""):
        os.sync()  # every rename and created folder, before the commit point
        committed = replace(journal, state=COMMITTED)
        write_journal(staging, committed)
    return committed


def _rename(staging: str, root: str, number: int, operation: Operation) -> None:
    target = f"{root}/{operation.target}"
    if operation.old:
        os.rename(target, old_file(staging, number))  # moved aside, kept for a roll back
    if operation.new:
        os.rename(new_file(staging, number), target)


def _roll_back(staging: Path, home: Path, error: BaseException) -> NoReturn:
    """Put the tree back at once, then raise what went wrong."""
    target, cause = (error.target, error.reason) if isinstance(error, StagingError) else ("", error)
    try:
        settle(staging, home)
    except (OSError, JournalError) as failure:
        reason = f"{cause}; rolling back failed too ({failure}): the next run rolls it back"
        raise StagingError(target, reason, rolled_back=False) from error
    if isinstance(error, OSError):
        raise StagingError("", error.strerror or str(error)) from error
    raise error


def _clean_up(staging: Path, home: Path, committed: Journal) -> str:
    """Prune folders emptied by removals, remove the staging folder; a failure here leaves
    the new tree complete, and the next run's recovery finishes the clean-up. The journal
    is the one just committed: reading it back and checking its paths again took 0.24 s
    of the 1.67 s of writing 5,072 files (cProfile)."""
    try:
        settle(staging, home, committed)
    except (OSError, JournalError) as error:
        return f"the new tree is complete, but {staging} could not be removed: {error}"
    return ""
