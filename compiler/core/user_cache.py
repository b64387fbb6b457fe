"""The user's cache folder: what makes a later run faster, kept outside the repository.

``$XDG_CACHE_HOME/backup-policy`` (else ``~/.cache/backup-policy``), one sub-folder per kind
of entry (:mod:`compiler.core.template_cache`, :mod:`compiler.tree.parse_cache`), so
``check`` still writes nothing to the tree. What a cache holds is trusted (compiled templates
are executed, parsed documents are used as they were saved), so a sub-folder is used only
when it is a folder of this user that no one else may write to. A cache never changes what a
run prints or writes, nor makes it fail: one that cannot be read is empty, one that cannot
be written is not kept (:func:`keep_newest` bounds a folder). ``BACKUP_POLICY_NO_CACHE``
set to a non-empty value turns every cache off.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

NO_CACHE = "BACKUP_POLICY_NO_CACHE"
TEMPORARY = ".tmp-"
"""The prefix of a file being written into a cache folder (what a killed run may leave)."""


def cache_folder(kind: str, environ: Mapping[str, str] = os.environ) -> Path | None:
    """Where entries of ``kind`` are kept (None: caches are off, or there is no home)."""
    if environ.get(NO_CACHE):
        return None
    base = environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):  # the XDG spec: a relative path is to be ignored
        home = environ.get("HOME") or ""
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "backup-policy" / kind


def private_folder(kind: str, environ: Mapping[str, str] = os.environ) -> Path | None:
    """The folder for ``kind``, made if missing (mode 0700); None when there is none or when
    it is not this user's alone."""
    folder = cache_folder(kind, environ)
    if folder is None or not hasattr(os, "getuid"):  # no owner to check: no cache
        return None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        found = folder.stat()
    except OSError:
        return None
    others_write = found.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid() or others_write:
        return None
    return folder


def replace_file(file: Path, content: bytes) -> None:
    """``file`` becomes ``content`` in one rename: a reader sees the old or the new one.
    The temporary file is named with :data:`TEMPORARY`; one a killed run left is the
    caller's to prune."""
    handle, temporary = tempfile.mkstemp(prefix=TEMPORARY, dir=file.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.replace(temporary, file)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


_DAY = 86_400


def keep_newest(folder: Path, suffix: str, keep: int, now: float) -> None:
    """Remove all but the ``keep`` entries (``*suffix``) changed last, and what a killed
    write left (:data:`TEMPORARY`, older than a day). A file that cannot be looked at or
    removed is left: a cache never fails a run."""
    entries: list[tuple[float, str]] = []
    for entry in os.scandir(folder):
        with contextlib.suppress(OSError):
            changed = entry.stat(follow_symlinks=False).st_mtime
            if entry.name.startswith(TEMPORARY) and now - changed > _DAY:
                os.unlink(entry.path)
            elif entry.name.endswith(suffix):
                entries.append((changed, entry.path))
    for _, path in sorted(entries, reverse=True)[keep:]:
        with contextlib.suppress(OSError):
            os.unlink(path)
