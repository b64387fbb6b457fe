"""Compiled templates kept between runs, in the user's cache folder.

Compiling the docs' Jinja2 templates takes 45 to 70 ms of every ``check`` and ``compile``
(the example's whole ``check`` is about 0.4 s); Jinja2's bytecode cache loads them in
about 1 ms. The cache is outside the repository (:func:`compiler.core.user_cache.cache_folder`:
``backup-policy/templates``), so ``check`` still writes nothing to the tree. Jinja2 uses an
entry only when the template's source checksum and the Python version match; what it holds
is executed, so a folder that another user could write to is not used. A cache that cannot
be read or written is no cache: a run never fails or changes its output for it.
The folder and its checks are :mod:`compiler.core.user_cache`'s.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from collections.abc import Mapping

import jinja2

from compiler.core.user_cache import private_folder


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


def bytecode_cache(environ: Mapping[str, str] = os.environ) -> jinja2.BytecodeCache | None:
    """The cache for a Jinja2 environment, or None when there is no safe folder for it."""
    folder = private_folder("templates", environ)
    return _Tolerant(str(folder)) if folder is not None else None
