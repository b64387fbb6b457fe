"""Containment: every path the compiler reads or writes stays inside the repository.

The repository root is the git top level above the policies, or the folder that holds
them. A path is inside when its resolved form is (symbolic links followed); a path to be
written must also not pass through a symbolic link below the root, so that nothing can be
redirected out of the tree between the check and the write.
"""

from __future__ import annotations

from pathlib import Path


def repository_root(policies: Path) -> Path:
    """The git top level that holds ``policies``, else the folder that holds them."""
    start = policies.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start.parent


def inside(path: Path, root: Path) -> bool:
    """Whether ``path`` (symbolic links resolved) is ``root`` or below it."""
    return path.resolve().is_relative_to(root.resolve())


def symlink_between(root: Path, path: Path) -> Path | None:
    """The first symbolic link on the way from ``root`` down to ``path`` (itself included),
    or None. ``path`` is absolute or relative to ``root``; it need not exist."""
    current = root
    for part in path.relative_to(root).parts if path.is_absolute() else path.parts:
        current = current / part
        if current.is_symlink():
            return current
        if not current.exists():
            return None
    return None
