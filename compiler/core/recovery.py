"""Recovery: leave an output tree exactly as it was before a write, or exactly as the write
meant it, never a mix.

A staging folder whose journal is missing never touched the tree: it is removed. A journal
still ``pending`` means the run stopped before its commit point: every old file moved
aside goes back to its place, every new file is removed, the folders it created are
removed when empty, so the tree is byte-identical to the one before the run. A
``committed`` journal means every rename was done: the folders emptied by removals are
pruned. Either way the journal goes first and the staging folder after it, so a recovery
that is itself killed is finished by the next run: each step only looks at what is on disk
(is ``old/<n>`` still there? is ``new/<n>``?) and does nothing twice.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from msgspec import Struct

from compiler.core.journal import (
    COMMITTED,
    JOURNAL_NAME,
    Journal,
    JournalError,
    Operation,
    fsync_folder,
    lock,
    new_file,
    old_file,
    output_root,
    read_journal,
)
from compiler.core.paths import STAGING_PREFIX

ROLLED_BACK, FINISHED, DISCARDED = "rolled back", "finished", "discarded"
BUSY, REFUSED = "busy", "refused"


class Recovery(Struct, frozen=True):
    """What recovery did with one staging folder (``detail`` says why for busy/refused)."""

    staging: Path
    outcome: str
    root: str = ""
    changes: int = 0
    detail: str = ""


def settle(staging: Path, home: Path, journal: Journal | None = None) -> Recovery:
    """Roll back or finish the write of ``staging`` (its lock held), then remove it.
    ``journal`` is the one the caller has just written there, when it has one: read back
    from disk otherwise, and checked (its paths stay in the home) before it is trusted."""
    journal = journal or read_journal(staging, home)
    if journal is None:
        discard(staging)
        return Recovery(staging, DISCARDED)
    if journal.state == COMMITTED:
        _prune_removed(output_root(home, journal), journal)
        outcome = FINISHED
    else:
        _undo(staging, output_root(home, journal), journal)
        outcome = ROLLED_BACK
    discard(staging)
    return Recovery(staging, outcome, journal.root, len(journal.operations))


def recover(home: Path) -> list[Recovery]:
    """Settle every staging folder a stopped run left in ``home``; a folder another live
    run holds is left alone (``busy``), one that cannot be trusted is kept (``refused``)."""
    found = []
    for staging in sorted(home.glob(f"{STAGING_PREFIX}*")):
        if staging.is_symlink() or not staging.is_dir():
            found.append(Recovery(staging, REFUSED, detail="not a folder: remove it by hand"))
            continue
        handle = lock(staging)
        if handle is None:
            found.append(Recovery(staging, BUSY, detail=f"{staging.name} is locked"))
            continue
        try:
            found.append(settle(staging, home))
        except (JournalError, OSError) as error:
            found.append(Recovery(staging, REFUSED, detail=str(error)))
        finally:
            os.close(handle)
    return found


def discard(staging: Path) -> None:
    """Remove a settled staging folder, its journal first (see the module docstring)."""
    (staging / JOURNAL_NAME).unlink(missing_ok=True)
    fsync_folder(staging)
    shutil.rmtree(staging)


def _undo(staging: Path, root: Path, journal: Journal) -> None:
    for number in reversed(range(len(journal.operations))):
        _undo_operation(staging, root, number, journal.operations[number])
    for folder in {(root / op.target).parent for op in journal.operations}:
        if folder.is_dir():
            fsync_folder(folder)
    for rel in reversed(journal.created):
        _remove_empty(root / rel)


def _undo_operation(staging: Path, root: Path, number: int, operation: Operation) -> None:
    target, kept = root / operation.target, Path(old_file(staging, number))
    if kept.exists():
        os.replace(kept, target)  # the old file back over the new one, in one step
    elif operation.new and not operation.old and not Path(new_file(staging, number)).exists():
        target.unlink(missing_ok=True)  # a file this run added: gone with the run
    # otherwise the target holds its old file: it was never moved, or is back already


def _remove_empty(folder: Path) -> bool:
    """Remove ``folder`` if it is an empty folder; whether it is gone."""
    try:
        folder.rmdir()
    except FileNotFoundError:
        return True
    except OSError as error:
        if error.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR):
            return False
        raise
    return True


def _prune_removed(root: Path, journal: Journal) -> None:
    """Folders that removed files leave empty go too (never the root itself)."""
    for operation in journal.operations:
        if operation.new:
            continue
        folder = (root / operation.target).parent
        while folder != root and folder.is_relative_to(root) and _remove_empty(folder):
            folder = folder.parent
