"""Stage 8, write: compare rendered files with the tree's inventory, then write what changed.

Ownership is proven by the header line: a file without it was not generated and is never
overwritten or deleted (rule BP401 reports it). Generated files that no policy produces any
more are removed. The tree's text comes from the inventory: nothing is read again here.

Writing is all or nothing (:mod:`compiler.core.staging`, ``journal``, ``recovery``):

1. stage: every changed file, and every app kustomization ``--fix`` edits, is written
   into ``<repository>/.backup-policy.staging-<random>/new/`` and flushed to disk (one
   ``sync`` for all of them, see :mod:`compiler.core.staging`). The folder is on the
   output root's filesystem (checked, so a rename is atomic), hidden from the tree reader,
   ignored by git (its own ``.gitignore``) and locked by its run;
2. journal: before the first rename, ``journal.json`` (written atomically) lists every
   target, whether a new file goes there and whether an old one is there;
3. commit: per target, the old file is moved aside into ``old/`` and the new one renamed
   into place; the renames are flushed to disk and the journal is marked committed (the
   commit point); then folders emptied by removals are pruned and the staging folder is
   removed;
4. recovery: ``compile`` and ``check`` first settle what a dead run left (:func:`recover`).

What holds when:

* an exception or I/O error during the run: rolled back before the command returns, the
  tree byte-identical to before (contents, modes, folders), BP407 at the file that failed;
* a killed run (SIGKILL, a crash): until the next ``compile`` or ``check`` the tree may be
  a mix; that run rolls it back (stopped before the commit point) or finishes it (after),
  so the tree is the previous one or the new one. Recovery is idempotent: a recovery that
  is killed is recovered by the next run. A folder a live run holds is never touched;
* a power loss: the same, as far as the filesystem keeps fsynced data and renames;
* a reader during the commit may miss a file for the moment between its two renames;
* a rewritten file keeps its mode, a new one gets 0o644 less the umask; every target is
  below the output root, symbolic links resolved and none on the way (BP106/BP406 report
  these first; the write checks them again right before staging).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from pathlib import Path

from msgspec import Struct, field

from compiler.core import recovery
from compiler.core.diagnostics import Diagnostic
from compiler.core.staging import StagingError, replace_files
from compiler.plan import Unwiring, Wiring
from compiler.tree import Inventory
from compiler.write_rules import OUT_OF_DATE, WRITE_FAILED

# Where stale generated files are looked for (the default docs folder among them; the caller
# adds the configured one): the compiler writes nowhere else, and a repository may hold
# other output (another cluster's compile) elsewhere.
SCANNED_DIRS = ("kubernetes/", "docs/")


class Changes(Struct, frozen=True):
    """What a compile would do to the output tree (paths relative to its root)."""

    root: Path
    writes: dict[str, str] = field(default_factory=dict)
    deletes: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    old: dict[str, str] = field(default_factory=dict)

    @property
    def drift(self) -> bool:
        return bool(self.writes or self.deletes)


def compare(
    root: Path,
    inventory: Inventory,
    outputs: dict[str, str],
    scanned: tuple[str, ...] = SCANNED_DIRS,
    kept: tuple[str, ...] = (),
) -> Changes:
    """Classify every output path as write or unchanged, and find stale generated files
    (in the ``scanned`` folders, each ending in ``/``; never in the ``kept`` ones: the
    restore drills, which no compile produces)."""
    writes: dict[str, str] = {}
    unchanged: list[str] = []
    old: dict[str, str] = {}
    for rel, text in sorted(outputs.items()):
        if inventory.is_handwritten(rel):
            continue  # never overwritten: BP401 reports it
        current = inventory.generated_text(rel)
        if current == text:
            unchanged.append(rel)
            continue
        writes[rel] = text
        if current is not None:
            old[rel] = current
    stale = tuple(
        rel
        for rel in inventory.generated_paths
        if rel not in outputs and rel.startswith(scanned) and not rel.startswith(kept)
    )
    old |= {rel: inventory.generated_text(rel) or "" for rel in stale}
    return Changes(root, writes, stale, tuple(unchanged), old)


def _first_difference(old: str, new: str) -> int:
    old_lines, new_lines = old.splitlines(), new.splitlines()
    for number, (a, b) in enumerate(zip(old_lines, new_lines, strict=False), start=1):
        if a != b:
            return number
    return min(len(old_lines), len(new_lines)) + 1


def drift(changes: Changes, shown_root: str) -> list[Diagnostic]:
    """BP400 for every file a compile would write or remove, at its first changed line."""
    found = []
    for rel in sorted({*changes.writes, *changes.deletes}):
        shown = rel if shown_root in ("", ".") else f"{shown_root}/{rel}"
        if rel in changes.deletes:
            line, what = 1, "no policy produces this generated file any more"
        elif rel not in changes.old:
            line, what = 1, "this generated file is missing"
        else:
            line = _first_difference(changes.old[rel], changes.writes[rel])
            what = "this generated file differs from a fresh compile"
        found.append(OUT_OF_DATE.diagnostic(shown, line, 1, what, _RUN))
    return found


_RUN = "run `backup-policy compile` and commit the result"


def unified_diff(changes: Changes, shown_root: str) -> str:
    """The diff from the tree to a fresh compile."""
    chunks: list[str] = []
    for rel in sorted({*changes.writes, *changes.deletes}):
        old = changes.old.get(rel, "").splitlines(keepends=True)
        new = changes.writes.get(rel, "").splitlines(keepends=True)
        shown = rel if shown_root in ("", ".") else f"{shown_root}/{rel}"
        chunks.extend(difflib.unified_diff(old, new, f"a/{shown}", f"b/{shown}"))
    return "".join(chunks)


class Written(Struct, frozen=True):
    """What :func:`apply` did: the app kustomizations ``--fix`` rewrote, and BP407 problems
    (an error: nothing was changed; a warning: the tree is new, a clean-up failed)."""

    fixed: tuple[str, ...] = ()
    problems: tuple[Diagnostic, ...] = ()


def _shown(shown_root: str, rel: str) -> str:
    if not rel:
        return shown_root or "."
    return rel if shown_root in ("", ".") else f"{shown_root}/{rel}"


def _fixes(wiring: Sequence[Wiring], unwiring: Sequence[Unwiring]) -> dict[str, str]:
    added = {w.file: w.fixed for w in wiring if w.state == "unlisted" and w.fixed}
    return {**added, **{u.file: u.fixed for u in unwiring if u.fixed}}


def apply(
    changes: Changes,
    *,
    home: Path | None = None,
    wiring: Sequence[Wiring] = (),
    unwiring: Sequence[Unwiring] = (),
    shown_root: str = "",
) -> Written:
    """Write changed files, remove stale generated ones (and the folders they leave empty)
    and, with ``wiring`` and ``unwiring``, the ``--fix`` edits (a Component added to, or a
    removed one taken out of, an app's kustomization): all together or nothing. The staging
    folder goes in ``home`` (the repository; the output root when not given)."""
    fixed = _fixes(wiring, unwiring)
    writes = {**changes.writes, **fixed}
    try:
        warning = replace_files(home or changes.root, changes.root, writes, changes.deletes)
    except StagingError as error:
        return Written(problems=(_failure(error, shown_root),))
    problems = (
        (WRITE_FAILED.diagnostic(_shown(shown_root, ""), 1, 1, warning, level="warning"),)
        if warning
        else ()
    )
    return Written(tuple(sorted(fixed)), problems)


def _failure(error: StagingError, shown_root: str) -> Diagnostic:
    outcome = (
        "nothing was changed: the output tree is as it was"
        if error.rolled_back
        else "the output tree is left for the next compile or check to roll back"
    )
    return WRITE_FAILED.diagnostic(
        _shown(shown_root, error.target),
        1,
        1,
        f"cannot write the output: {error.reason}; {outcome}",
        "fix the cause (disk space, permissions, a link in the way), then compile again",
    )


def apply_wiring(root: Path, wiring: tuple[Wiring, ...]) -> list[str]:
    """``--fix`` alone: write each app kustomization that lacks its Component; the paths
    written (none when the write failed)."""
    return list(apply(Changes(root), wiring=wiring).fixed)


class Recovered(Struct, frozen=True):
    """What recovery did (notes for the report) and what stops the run (BP407)."""

    notes: tuple[str, ...] = ()
    problems: tuple[Diagnostic, ...] = ()


_STOPPED = {
    recovery.BUSY: (
        "another backup-policy run is writing the output",
        "wait for it to finish, then run again",
    ),
    recovery.REFUSED: (
        "an interrupted compile cannot be recovered",
        "its old files are in the folder's old/ (see journal.json): put them back by hand, "
        "then remove the folder",
    ),
}


def recover(repository: Path, project_root: Path) -> Recovered:
    """Settle every write a dead run left in ``repository``, before the tree is read."""
    notes: list[str] = []
    problems: list[Diagnostic] = []
    for found in recovery.recover(repository):
        shown = Path(os.path.relpath(found.staging, project_root)).as_posix()
        if found.outcome in _STOPPED:
            message, hint = _STOPPED[found.outcome]
            problems.append(
                WRITE_FAILED.diagnostic(shown, 1, 1, f"{message}: {found.detail}", hint)
            )
        elif found.outcome != recovery.DISCARDED:
            notes.append(
                f"an interrupted compile of {found.root} was {found.outcome} "
                f"({found.changes} files): the tree is "
                + ("as it was before it" if found.outcome == recovery.ROLLED_BACK else "complete")
            )
    return Recovered(tuple(notes), tuple(problems))
