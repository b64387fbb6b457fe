"""Compiled templates kept between runs, in the user's cache folder.

Compiling the docs' Jinja2 templates takes 45 to 70 ms of every ``check`` and ``compile``
(the example's whole ``check`` is about 0.4 s); Jinja2's bytecode cache loads them in
about 1 ms. The cache is outside the repository (``$XDG_CACHE_HOME``, else ``~/.cache``:
``backup-policy/templates``), so ``check`` still writes nothing to the tree. Jinja2 uses an
entry only when the template's source checksum and the Python version match; what it holds
is executed, so a folder that another user could write to is not used. A cache that cannot
be read or written is no cache: a run never fails or changes its output for it.
``BACKUP_POLICY_NO_CACHE`` set to a non-empty value turns it off.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import stat
from collections.abc import Mapping
from pathlib import Path

import jinja2

NO_CACHE = "BACKUP_POLICY_NO_CACHE"


class _Tolerant(jinja2.FileSystemBytecodeCache):
    """Jinja2's file cache (atomic writes by rename), where a damaged entry is a miss and
    a failed write (a read-only home, a full disk) is skipped."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def cache_folder(environ: Mapping[str, str] = os.environ) -> Path | None:
    """Where compiled templates are kept (None: off, or no home folder)."""
    if environ.get(NO_CACHE):
        return None
    base = environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):  # the XDG spec: a relative path is to be ignored
        home = environ.get("HOME") or ""
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "backup-policy" / "templates"


def bytecode_cache(environ: Mapping[str, str] = os.environ) -> jinja2.BytecodeCache | None:
    """The cache for a Jinja2 environment, or None when there is no safe folder for it."""
    folder = cache_folder(environ)
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
    return _Tolerant(str(folder))
