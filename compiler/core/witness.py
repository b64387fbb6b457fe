"""A digest of what a run read: the folders it walked and the files it opened, so that a
later run can tell, without reading them again, that its inputs are the same.

Only the standard library and small modules of :mod:`compiler.core` are imported:
:mod:`compiler.core.replay` computes this before the compiler's stages (and their
libraries) are imported.

A digest covers more than the readers depend on, never less:

* every folder below a watched root is listed (the names and kinds of its entries,
  sorted, and where its listing ends); the tree reader skips hidden folders
  (:mod:`compiler.tree.read`), so a tree root's hidden folders are left out (``.git``
  changes with every commit); the policy reader walks them;
* the content of every file a reader may open (``*.yaml``, ``*.yml``, ``*.md``,
  ``Kustomization``), as far as it reads it: a policy larger than the run's limit by its
  size (the loader refuses it by its size); a tree file over 2 MiB by its size and first
  bytes, unless they hold the generated header and it is at most 256 MiB (the tree reader
  peeks at such a file, and reads only a generated one);
* other entries by name and kind (a FIFO, a socket, a device);
* every symbolic link by its target (read, and resolved) and the kind of what it points
  to (a folder, a file, nothing); behind a policy's link to a file in the repository, the
  content, as the policy loader follows it (the tree reader follows no link, and nothing
  outside the repository is read);
* a root by the path it is given as, its resolved path and its kind; a root the run did
  not read (an output root it refused) by that alone, never walked.

Timestamps play no part: a file copied back with its old time is seen by its content.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from collections.abc import Iterable, Sequence
from typing import Literal, NamedTuple

from compiler.core.paths import open_regular
from compiler.core.treefiles import HEAD_BYTES, is_read, read_whole

_CHUNK = 1 << 20
_PATHS = ("utf-8", "surrogateescape")  # a file name's bytes, whatever they are
Kind = Literal["policies", "tree", "root"]
KINDS: tuple[Kind, ...] = ("policies", "tree", "root")


class Watched(NamedTuple):
    """A folder a run read: ``policies`` (every folder walked, links to files in the
    repository followed, a file over ``limit`` bytes refused by its size), ``tree`` (the
    output root, read as :mod:`compiler.core.treefiles` says: hidden folders skipped, no
    link followed), or ``root`` (an output root the run refused without reading it)."""

    path: str
    kind: Kind
    limit: int = 0
    """The policy loader's --max-bytes (a policy root only)."""


def digest(watched: Iterable[Watched], repository: str) -> str:
    """The digest of everything the readers see under the ``watched`` roots; nothing
    outside ``repository`` is read."""
    hashed = hashlib.blake2b(digest_size=32)
    inside = os.path.realpath(repository)
    for root in watched:
        hashed.update(f"root\0{root.path}\0{root.kind}\0{root.limit}\0".encode(*_PATHS))
        _root(hashed, root, inside)
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


def names_fingerprint(folders: Sequence[str]) -> str:
    """The names of everything below ``folders`` (the time zone database: whether a zone
    exists is what the policy models ask; 1,300 names in 3 ms)."""
    hashed = hashlib.blake2b(digest_size=32)
    for folder in folders:
        hashed.update(f"{folder}\0".encode(*_PATHS))
        for current, dirs, files in os.walk(folder):
            dirs.sort()
            names = "\0".join(sorted(files))
            hashed.update(f"{current}\0{names}\0end\0".encode(*_PATHS))
    return hashed.hexdigest()


def _root(hashed: hashlib.blake2b, root: Watched, inside: str) -> None:
    resolved = os.path.realpath(root.path)
    hashed.update(f"{_kind(root.path, follow=False)}\0{_link(root.path)}\0".encode(*_PATHS))
    try:
        found = os.stat(root.path)
    except OSError as error:
        hashed.update(f"missing\0{resolved}\0{error.errno}\0".encode(*_PATHS))
        return
    hashed.update(f"{stat.S_IFMT(found.st_mode)}\0{resolved}\0".encode(*_PATHS))
    if stat.S_ISDIR(found.st_mode) and root.kind != "root":
        _folder(hashed, root.path, root, inside)


def _folder(hashed: hashlib.blake2b, folder: str, root: Watched, inside: str) -> None:
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
            if root.kind == "policies" and is_read(entry.name) and _within(entry.path, inside):
                _content(hashed, entry.path, root)
        elif entry.is_dir():
            if root.kind == "tree" and entry.name.startswith("."):
                continue  # the tree reader never looks into a hidden folder
            hashed.update(b"folder\0" + name + b"\0")
            _folder(hashed, entry.path, root, inside)
        elif entry.is_file() and is_read(entry.name):
            hashed.update(b"file\0" + name + b"\0")
            _content(hashed, entry.path, root)
        else:
            hashed.update(f"other\0{_kind(entry.path, follow=False)}\0".encode() + name + b"\0")
    hashed.update(b"end\0")  # a folder's last entry is not its sibling's first


def _within(path: str, folder: str) -> bool:
    """Whether ``path``, links resolved, is in ``folder`` (resolved)."""
    resolved = os.path.realpath(path)
    return resolved == folder or resolved.startswith(folder.rstrip(os.sep) + os.sep)


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
        return f"not a link {error.errno}\0"
    return f"{target}\0{os.path.realpath(path)}\0{_kind(path, follow=True)}\0"


def _content(hashed: hashlib.blake2b, path: str, root: Watched) -> None:
    """The bytes of a regular file (a link followed) as far as its reader reads them;
    anything else by its kind, without opening it (a FIFO would block)."""
    try:
        with open_regular(path) as stream:
            size = os.fstat(stream.fileno()).st_size
            if root.kind == "tree" and not read_whole(stream, size):
                hashed.update(f"size\0{size}\0".encode() + stream.read(HEAD_BYTES))
                return  # only its head looked at
            if root.kind == "policies" and size > root.limit:
                hashed.update(f"size\0{size}\0".encode())
                return  # refused by its size
            content = hashlib.blake2b(digest_size=32)
            while chunk := stream.read(_CHUNK):
                content.update(chunk)
    except OSError as error:
        hashed.update(f"unreadable\0{error.errno}\0".encode())
        return
    hashed.update(content.digest())
