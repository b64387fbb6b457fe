"""Stage 8, write: compare rendered files with the tree's inventory, then write what changed.

Ownership is proven by the header line: a file without it was not generated and is never
overwritten or deleted (rule BP401 reports it). Generated files that no policy produces any
more are removed. The tree's text comes from the inventory: nothing is read again here.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from compiler.core.diagnostics import Diagnostic
from compiler.core.paths import inside, symlink_between
from compiler.core.rule import Rule
from compiler.plan import Wiring
from compiler.tree import Inventory

OUT_OF_DATE = Rule(
    "BP400",
    "out-of-date",
    "error",
    "The committed generated files are a fresh compile of the policies.",
    "Reported by check, at the first line that differs, for a file that would be written, "
    "rewritten or removed: a hand edit of a generated file, or a policy change without "
    "`backup-policy compile`.",
    passing="backup-policy compile, then commit what it wrote",
    failing="a hand edit in kubernetes/apps/web/backup/k8up-schedule.yaml",
    stage="tree",
)

# Where stale generated files are looked for: the compiler writes nowhere else, and a
# repository may hold other output (another cluster's compile) elsewhere.
SCANNED_DIRS = ("kubernetes/", "docs/backup-policy/")


@dataclass(frozen=True)
class Changes:
    """What a compile would do to the output tree (paths relative to its root)."""

    root: Path
    writes: dict[str, str] = field(default_factory=dict)
    deletes: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    old: dict[str, str] = field(default_factory=dict)

    @property
    def drift(self) -> bool:
        return bool(self.writes or self.deletes)


def compare(root: Path, inventory: Inventory, outputs: dict[str, str]) -> Changes:
    """Classify every output path as write or unchanged, and find stale generated files."""
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
        if rel not in outputs and rel.startswith(SCANNED_DIRS)
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


def atomic_write(path: Path, text: str) -> None:
    """Replace ``path`` in one step (a reader sees the old or the new file), mode kept."""
    mode = path.stat().st_mode & 0o777 if path.is_file() else 0o644
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class UnsafeWrite(RuntimeError):
    """A path to write would leave the output root or pass through a symbolic link."""


def preflight(root: Path, paths: list[str]) -> None:
    """Every path stays below ``root`` without a link on the way (checked before any write:
    rules BP106/BP406 report these first, this guards the writer itself)."""
    for rel in paths:
        target = root / rel
        if ".." in Path(rel).parts or not inside(target.parent, root):
            raise UnsafeWrite(f"{rel} leaves the output root")
        link = symlink_between(root, Path(rel))
        if link is not None:
            raise UnsafeWrite(f"{rel} passes through the symbolic link {link}")


def apply(changes: Changes) -> None:
    """Write changed files and remove stale generated ones (and folders they leave empty)."""
    preflight(changes.root, [*changes.writes, *changes.deletes])
    for rel, text in sorted(changes.writes.items()):
        atomic_write(changes.root / rel, text)
    for rel in changes.deletes:
        path = changes.root / rel
        path.unlink()
        parent = path.parent
        while parent != changes.root and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def apply_wiring(root: Path, wiring: tuple[Wiring, ...]) -> list[str]:
    """``--fix``: write each app kustomization that lacks its Component; the paths written."""
    fixed = []
    preflight(root, [w.file for w in wiring if w.state == "unlisted" and w.fixed])
    for item in wiring:
        if item.state == "unlisted" and item.fixed:
            atomic_write(root / item.file, item.fixed)
            fixed.append(item.file)
    return fixed
