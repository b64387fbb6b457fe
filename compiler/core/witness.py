"""A digest of what a run read: the folders it walked and the files it opened, so that a
later run can tell, without reading them again, that its inputs are the same.

Only the standard library is imported: :mod:`compiler.core.replay` computes this before
the compiler's own stages (and their libraries) are imported.

A digest covers more than the readers depend on, never less:

* every folder below a watched root is listed (names and kinds of entries, sorted); the
  tree reader skips hidden folders (:mod:`compiler.tree.read`), so a tree root's hidden
  folders are left out (``.git`` changes with every commit); the policy reader walks them;
* the content of every file a reader may open (``*.yaml``, ``*.yml``, ``*.md``,
  ``Kustomization``); other files by name and kind only, as the readers see them;
* every symbolic link by its target (read, and resolved), and the content behind a link
  to a file a reader may open, as the policy reader follows it;
* a root by its resolved path and its kind (a folder, a file, missing).

A file that changed while the run read it must not stand for what the run read: with
``newer_than`` (the run's start) a file or folder modified since, or up to
:data:`RACY_NS` before (file systems keep coarse times), makes the digest None.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from compiler.core.paths import open_regular

READ_SUFFIXES = (".yaml", ".yml", ".md")
READ_NAMES = ("Kustomization",)
RACY_NS = 2_000_000_000
"""How far before a run's start a modification is still taken as racing the run."""
_CHUNK = 1 << 20
_PATHS = ("utf-8", "surrogateescape")  # a file name's bytes, whatever they are


class Watched(NamedTuple):
    """A folder a run read: ``tree`` True for the output root (hidden folders skipped as
    the tree reader skips them), False for the policy folder (every folder walked)."""

    path: str
    tree: bool


class _Racy(Exception):
    """An input modified while the run may have been reading it."""


def digest(watched: Iterable[Watched], newer_than: int | None = None) -> str | None:
    """The digest of ``watched`` (None: an input changed during the run, see above)."""
    hashed = hashlib.blake2b(digest_size=32)
    try:
        for root in watched:
            hashed.update(f"root\0{root.path}\0{root.tree}\0".encode(*_PATHS))
            _root(hashed, root, newer_than)
    except _Racy:
        return None
    return hashed.hexdigest()


def code_fingerprint(folders: Sequence[str]) -> str:
    """What the compiler's results depend on besides their inputs: its own files (path,
    size, modification time; bytecode caches left out), the interpreter, and the folders
    of installed libraries (their times change when a library is installed or removed)."""
    hashed = hashlib.blake2b(digest_size=32)
    hashed.update(f"{sys.version}\0{sys.executable}\0".encode())
    for entry in (e for e in sys.path if e.endswith(("site-packages", "dist-packages"))):
        try:
            hashed.update(f"{entry}\0{os.stat(entry).st_mtime_ns}\0".encode(*_PATHS))
        except OSError:
            hashed.update(f"{entry}\0-\0".encode(*_PATHS))
    for folder in folders:
        for current, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                path = os.path.join(current, name)
                found = os.stat(path)
                hashed.update(f"{path}\0{found.st_size}\0{found.st_mtime_ns}\0".encode(*_PATHS))
    return hashed.hexdigest()


def _root(hashed: hashlib.blake2b, root: Watched, newer_than: int | None) -> None:
    resolved = os.path.realpath(root.path)
    try:
        found = os.stat(root.path)
    except OSError as error:
        hashed.update(f"missing\0{resolved}\0{error.errno}\0".encode(*_PATHS))
        return
    hashed.update(f"{stat.S_IFMT(found.st_mode)}\0{resolved}\0".encode(*_PATHS))
    if stat.S_ISDIR(found.st_mode):
        _folder(hashed, root.path, root.tree, newer_than)


def _folder(hashed: hashlib.blake2b, folder: str, tree: bool, newer_than: int | None) -> None:
    try:
        _check_time(os.stat(folder).st_mtime_ns, newer_than)
        with os.scandir(folder) as found:
            entries = sorted(found, key=lambda entry: entry.name)
    except OSError as error:
        hashed.update(f"unreadable\0{error.errno}\0".encode())
        return
    for entry in entries:
        name = entry.name.encode(*_PATHS)
        if entry.is_symlink():
            hashed.update(b"link\0" + name + b"\0" + _link(entry.path).encode(*_PATHS))
            if _is_read(entry.name):
                _content(hashed, entry.path, newer_than)
        elif entry.is_dir():
            if tree and entry.name.startswith("."):
                continue  # the tree reader never looks into a hidden folder
            hashed.update(b"folder\0" + name + b"\0")
            _folder(hashed, entry.path, tree, newer_than)
        elif entry.is_file() and _is_read(entry.name):
            hashed.update(b"file\0" + name + b"\0")
            _content(hashed, entry.path, newer_than)
        else:
            hashed.update(b"other\0" + name + b"\0")


def _is_read(name: str) -> bool:
    return name.endswith(READ_SUFFIXES) or name in READ_NAMES


def _link(path: str) -> str:
    try:
        return f"{os.readlink(path)}\0{os.path.realpath(path)}\0"
    except OSError as error:
        return f"unreadable {error.errno}\0"


def _content(hashed: hashlib.blake2b, path: str, newer_than: int | None) -> None:
    """The bytes of a regular file (a link followed); anything else by its kind, without
    opening it (a FIFO would block)."""
    try:
        with open_regular(path) as stream:
            _check_time(os.fstat(stream.fileno()).st_mtime_ns, newer_than)
            content = hashlib.blake2b(digest_size=32)
            while chunk := stream.read(_CHUNK):
                content.update(chunk)
    except OSError as error:
        hashed.update(f"unreadable\0{error.errno}\0".encode())
        return
    hashed.update(content.digest())


def _check_time(modified_ns: int, newer_than: int | None) -> None:
    if newer_than is not None and modified_ns >= newer_than - RACY_NS:
        raise _Racy
