"""Containment: every path the compiler reads or writes stays inside the repository.

The repository root is the git top level above the policies, or the folder that holds
them. A path is inside when its resolved form is (symbolic links followed); a path to be
written must also not pass through a symbolic link below the root, so that nothing can be
redirected out of the tree between the check and the write.
"""

from __future__ import annotations

import errno
import io
import os
import stat
from collections.abc import Callable
from pathlib import Path

STAGING_PREFIX = ".backup-policy.staging-"
"""The start of a compile's staging folder's name, in the repository
(:mod:`compiler.core.staging`): what a killed run may leave for the next one to settle."""


def repository_root(policies: Path) -> Path:
    """The git top level that holds ``policies``, else the folder that holds them."""
    start = policies.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start.parent


def from_cwd(path: Path) -> str:
    """``path`` as a user at the working directory would type it (messages, commands)."""
    return Path(os.path.relpath(path, Path.cwd())).as_posix()


Resolve = Callable[[Path], Path]


def inside(path: Path, root: Path, resolve: Resolve = Path.resolve) -> bool:
    """Whether ``path`` (symbolic links resolved) is ``root`` or below it. ``resolve`` may
    remember what it resolved, for a caller asking about many paths under one root."""
    return resolve(path).is_relative_to(resolve(root))


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


_LINK, _MISSING, _PLAIN = "link", "missing", "plain"
_ABSENT = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)  # what pathlib reads as absent


class LinkWalk:
    """:func:`symlink_between` for many paths below one root, each folder on the way
    looked at once: a write checks thousands of files that share a few hundred folders.
    Holds only while those folders do not change (a new walk after the renames)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._folders: dict[str, str] = {}

    def first_link(self, parts: tuple[str, ...]) -> Path | None:
        """The first symbolic link from the root down to the relative path of ``parts``
        (itself included), or None; like :func:`symlink_between`, it stops at a missing
        part."""
        for end in range(1, len(parts) + 1):
            prefix = "/".join(parts[:end])
            state = self._folders.get(prefix) if end < len(parts) else None
            if state is None:
                state = self._look(os.path.join(self.root, prefix))
                if end < len(parts):
                    self._folders[prefix] = state
            if state == _LINK:
                return self.root / prefix
            if state == _MISSING:
                return None
        return None

    @staticmethod
    def _look(path: str) -> str:
        """One ``lstat``: what ``is_symlink()`` then ``exists()`` tell of a path that is
        not a link."""
        try:
            status = os.lstat(path)
        except OSError as error:
            if error.errno in _ABSENT:
                return _MISSING
            raise
        return _LINK if stat.S_ISLNK(status.st_mode) else _PLAIN


_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)


class NotRegularFile(OSError):
    """A path to read is a FIFO, a device, a socket or a folder, not a regular file; its
    ``strerror`` says which."""

    def __init__(self, mode: int) -> None:
        kind = next((name for test, name in _KINDS if test(mode)), "a special file")
        super().__init__(errno.EINVAL, f"not a regular file ({kind})")


def open_regular(path: str | Path) -> io.BufferedReader:
    """``open(path, "rb")`` for a regular file only (a symbolic link followed, as ``open``
    does); anything else raises :class:`NotRegularFile` without waiting: a FIFO named
    ``*.yaml`` would block a plain ``open`` until a writer comes, for ever."""
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        mode = os.fstat(handle).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(mode)
        os.set_blocking(handle, True)
        return os.fdopen(handle, "rb")
    except BaseException:
        os.close(handle)
        raise
