"""Stage 7, write: compare rendered files with the tree, then write atomically what changed.

Ownership is proven by the header line: a file without it was not generated and is never
overwritten or deleted. Generated files that no policy produces any more are removed.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from compiler.diagnostics import Diagnostic
from compiler.render import HEADER_MARK

SCANNED_DIRS = ("kubernetes", "docs/backup-policy")


@dataclass(frozen=True)
class Changes:
    """What a compile would do to the output tree (paths relative to its root)."""

    root: Path
    writes: dict[str, str] = field(default_factory=dict)
    deletes: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    conflicts: tuple[Diagnostic, ...] = ()

    @property
    def drift(self) -> bool:
        return bool(self.writes or self.deletes)


def is_generated(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as handle:
            head = handle.read(256)
    except (OSError, UnicodeDecodeError):
        return False
    lines = head.splitlines()
    if lines and lines[0].startswith("#!"):
        lines = lines[1:]  # generated scripts start with a shebang, then the header
    return bool(lines) and lines[0].startswith(HEADER_MARK)


def _generated_files(root: Path) -> Iterator[str]:
    for folder in SCANNED_DIRS:
        base = root / folder
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                if path.is_file() and is_generated(path):
                    yield path.relative_to(root).as_posix()


def compare(root: Path, outputs: dict[str, str], shown_root: str) -> Changes:
    """Classify every output path as write, unchanged or conflict; find stale files."""
    writes: dict[str, str] = {}
    unchanged: list[str] = []
    conflicts: list[Diagnostic] = []
    for rel, text in sorted(outputs.items()):
        path = root / rel
        if not path.exists():
            writes[rel] = text
        elif not path.is_file() or not is_generated(path):
            conflicts.append(
                Diagnostic(
                    f"{shown_root}/{rel}",
                    1,
                    1,
                    "error",
                    "BP401",
                    "a file the compiler did not generate is in the way of a generated file",
                    "move or rename the hand-written file (it is never overwritten)",
                )
            )
        elif path.read_text(encoding="utf-8") == text:
            unchanged.append(rel)
        else:
            writes[rel] = text
    stale = tuple(rel for rel in _generated_files(root) if rel not in outputs)
    return Changes(root, writes, stale, tuple(unchanged), tuple(conflicts))


def unified_diff(changes: Changes, shown_root: str) -> str:
    """The diff from the tree on disk to a fresh compile."""
    chunks: list[str] = []
    for rel in sorted({*changes.writes, *changes.deletes}):
        path = changes.root / rel
        old = path.read_text(encoding="utf-8").splitlines(keepends=True) if path.exists() else []
        new = changes.writes.get(rel, "").splitlines(keepends=True)
        chunks.extend(
            difflib.unified_diff(old, new, f"a/{shown_root}/{rel}", f"b/{shown_root}/{rel}")
        )
    return "".join(chunks)


def atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def apply(changes: Changes) -> None:
    """Write changed files and remove stale generated ones (and folders they leave empty)."""
    for rel, text in sorted(changes.writes.items()):
        atomic_write(changes.root / rel, text)
    for rel in changes.deletes:
        path = changes.root / rel
        path.unlink()
        parent = path.parent
        while parent != changes.root and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
