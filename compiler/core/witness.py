"""A digest of what a run read: the folders it walked and the files it opened, so that a
later run can tell, without reading them again, that its inputs are the same.

Only the standard library is imported: :mod:`compiler.core.replay` computes this before
the compiler's own stages (and their libraries) are imported.

A digest covers more than the readers depend on, never less:

* every folder below a watched root is listed (the names and kinds of its entries,
  sorted, and where its listing ends); the tree reader skips hidden folders
  (:mod:`compiler.tree.read`), so a tree root's hidden folders are left out (``.git``
  changes with every commit); the policy reader walks them;
* the content of every file a reader may open (``*.yaml``, ``*.yml``, ``*.md``,
  ``Kustomization``); other entries by name and kind (a FIFO, a socket, a device);
* every symbolic link by its target (read, and resolved), the kind of what it points to
  (a folder, a file, nothing), and the content behind a link to a file a reader may open,
  as the policy reader follows it;
* a root by the path it is given as, its resolved path and its kind.

Timestamps play no part: a file copied back with its old time is seen by its content.
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
_CHUNK = 1 << 20
_PATHS = ("utf-8", "surrogateescape")  # a file name's bytes, whatever they are


class Watched(NamedTuple):
    """A folder a run read: ``tree`` True for the output root (hidden folders skipped as
    the tree reader skips them), False for the policy folder (every folder walked)."""

    path: str
    tree: bool


def digest(watched: Iterable[Watched]) -> str:
    """The digest of everything the readers see under the ``watched`` roots."""
    hashed = hashlib.blake2b(digest_size=32)
    for root in watched:
        hashed.update(f"root\0{root.path}\0{root.tree}\0".encode(*_PATHS))
        _root(hashed, root)
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


def listing_fingerprint(folders: Sequence[str]) -> str:
    """The names and modification times of the entries of ``folders`` (not deeper): a
    package manager that replaces a file renames it into place, which changes the time of
    the folder that holds it (the time zone database: 1,300 files, walked in 10 ms)."""
    hashed = hashlib.blake2b(digest_size=32)
    for folder in folders:
        try:
            with os.scandir(folder) as found:
                entries = sorted(found, key=lambda entry: entry.name)
            for entry in entries:
                modified = entry.stat(follow_symlinks=False).st_mtime_ns
                hashed.update(f"{entry.path}\0{modified}\0".encode(*_PATHS))
        except OSError as error:
            hashed.update(f"{folder}\0{error.errno}\0".encode(*_PATHS))
    return hashed.hexdigest()


def _root(hashed: hashlib.blake2b, root: Watched) -> None:
    resolved = os.path.realpath(root.path)
    try:
        found = os.stat(root.path)
    except OSError as error:
        hashed.update(f"missing\0{resolved}\0{error.errno}\0".encode(*_PATHS))
        return
    hashed.update(f"{stat.S_IFMT(found.st_mode)}\0{resolved}\0".encode(*_PATHS))
    if stat.S_ISDIR(found.st_mode):
        _folder(hashed, root.path, root.tree)


def _folder(hashed: hashlib.blake2b, folder: str, tree: bool) -> None:
    try:
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
                _content(hashed, entry.path)
        elif entry.is_dir():
            if tree and entry.name.startswith("."):
                continue  # the tree reader never looks into a hidden folder
            hashed.update(b"folder\0" + name + b"\0")
            _folder(hashed, entry.path, tree)
        elif entry.is_file() and _is_read(entry.name):
            hashed.update(b"file\0" + name + b"\0")
            _content(hashed, entry.path)
        else:
            hashed.update(f"other\0{_kind(entry.path, follow=False)}\0".encode() + name + b"\0")
    hashed.update(b"end\0")  # a folder's last entry is not its sibling's first


def _is_read(name: str) -> bool:
    return name.endswith(READ_SUFFIXES) or name in READ_NAMES


def _kind(path: str, follow: bool) -> str:
    """The type bits of what ``path`` is (a link followed when ``follow``), or why not."""
    try:
        return str(stat.S_IFMT(os.stat(path, follow_symlinks=follow).st_mode))
    except OSError as error:
        return f"unreachable {error.errno}"


def _link(path: str) -> str:
    try:
        target = os.readlink(path)
    except OSError as error:
        return f"unreadable {error.errno}\0"
    return f"{target}\0{os.path.realpath(path)}\0{_kind(path, follow=True)}\0"


def _content(hashed: hashlib.blake2b, path: str) -> None:
    """The bytes of a regular file (a link followed); anything else by its kind, without
    opening it (a FIFO would block)."""
    try:
        with open_regular(path) as stream:
            content = hashlib.blake2b(digest_size=32)
            while chunk := stream.read(_CHUNK):
                content.update(chunk)
    except OSError as error:
        hashed.update(f"unreadable\0{error.errno}\0".encode())
        return
    hashed.update(content.digest())
