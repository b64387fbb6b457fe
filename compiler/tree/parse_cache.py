"""Tree files' documents kept between runs, by their text: a file that did not change since
the last run is not parsed again.

Parsing is most of reading a tree: the tree stage of a ``check`` of a compiled
1,000-service tree (4,265 YAML files parsed) took 0.69 s, and 0.31 s with this cache
(minimum of 4 builds in one process). The cache holds what :func:`read_documents` made
of each text, keyed by a digest of the text: a changed file is a new key, so an entry can
never stand for another text. One cache file per output root (in
:func:`compiler.core.user_cache.private_folder`, outside the repository) holds the entries
its last build used; it is rewritten only when a build parsed something new or no longer
read something, and removed when no run used it for 30 days.

The file is ``marshal`` data (dicts, lists, strings and numbers: what documents are made
of; all 8,330 files of that tree load in 60 to 90 ms and parse in 1.3 to 1.9 s), behind a
header with the format, a fingerprint of the parser (its source, PyYAML's and Python's
versions) and a digest of the data. A file with another fingerprint, or whose data does
not match its digest (a torn or damaged write), is an empty cache; the folder is this
user's alone (the module above).
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from compiler.core import yamlnodes
from compiler.core.user_cache import TEMPORARY, private_folder, replace_file
from compiler.tree import nodes
from compiler.tree.nodes import TREE_LIMITS, Parsed, ParseError, YamlDocument, read_documents

FORMAT = b"backup-policy parsed documents 1\n"
_DIGEST = 32
# The largest text worth keeping: bigger ones are generated pages, never parsed.
_LARGEST = TREE_LIMITS.max_bytes
UNUSED_DAYS = 30
_DAY = 86_400
Entry = tuple[Any, ...]


def fingerprint() -> bytes:
    """What the cached documents depend on besides the text (a different parser made them
    differently): the parsing modules' source, PyYAML's version, Python's (marshal's)."""
    digest = hashlib.blake2b(FORMAT, digest_size=_DIGEST)
    digest.update(f"{sys.version}\0{yaml.__version__}\0".encode())
    for module in (yamlnodes, nodes):
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.digest()


def _entry(parsed: Parsed) -> Entry:
    if isinstance(parsed, ParseError):
        return ("error", parsed.message, parsed.line, parsed.col)
    return ("documents", tuple((d.data, d.line, d.col, d.keys) for d in parsed))


def _parsed(entry: Entry) -> Parsed:
    if entry[0] == "error":
        return ParseError(*entry[1:])
    return [YamlDocument(*document) for document in entry[1]]


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=_DIGEST).digest()


def _key(text: str) -> bytes:
    return _digest(text.encode("utf-8", "surrogatepass"))


class DocumentCache:
    """:func:`read_documents` with the results of earlier runs (``file`` None: none kept)."""

    def __init__(self, file: Path | None = None, keep: bool = True) -> None:
        self.file = file
        self.keep = keep
        self._known: dict[bytes, Entry] = {}
        self._used: dict[bytes, Parsed] = {}
        self._parsed = 0
        self._header = b""

    @classmethod
    def open(
        cls, root: Path, environ: Mapping[str, str] = os.environ, keep: bool = True
    ) -> DocumentCache:
        """The cache of the tree at ``root`` (empty when there is none, or it is unusable);
        ``keep`` False: :meth:`save` keeps nothing."""
        folder = private_folder("documents", environ)
        if folder is None:
            return cls()
        name = hashlib.blake2b(os.fsencode(root), digest_size=16).hexdigest()
        file = folder / f"{name}.bin"
        cache = cls(file, keep)
        with contextlib.suppress(OSError):
            cache._header = FORMAT + fingerprint()
            cache._known = _load(file, cache._header)
            if cache._known and keep:
                _touch(file)
        return cache

    @property
    def parsed(self) -> int:
        """How many texts this cache parsed (found in no earlier run)."""
        return self._parsed

    def documents(self, text: str) -> Parsed:
        """The documents of ``text``: the same as :func:`read_documents` gives."""
        if len(text) > _LARGEST:
            return read_documents(text)
        key = _key(text)
        found = self._used.get(key)
        if found is None:
            entry = self._known.get(key)
            if entry is None:
                self._parsed += 1
                found = read_documents(text)
            else:
                found = _parsed(entry)
            self._used[key] = found
        return found

    def save(self) -> None:
        """Keep the entries this run used, if they differ from the file's; quietly not
        when the file cannot be written (a read-only home, a full disk)."""
        if self.file is None or not self._header or not self.keep:
            return
        if not self._parsed and self._used.keys() == self._known.keys():
            return
        try:
            data = marshal.dumps({key: _entry(parsed) for key, parsed in self._used.items()})
        except ValueError:  # nothing a parse makes, but a cache never fails a run
            return
        with contextlib.suppress(OSError):
            replace_file(self.file, self._header + _digest(data) + data)
            _prune(self.file.parent, time.time())


def _load(file: Path, header: bytes) -> dict[bytes, Entry]:
    try:
        content = file.read_bytes()
    except FileNotFoundError:
        return {}
    start = len(header) + _DIGEST
    digest, data = content[len(header) : start], content[start:]
    if not content.startswith(header) or _digest(data) != digest:
        return {}  # another parser's, or torn or damaged
    try:
        loaded = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _touch(file: Path) -> None:
    """Mark ``file`` as used (at most daily): an unchanged tree's cache is never rewritten,
    and what no run used for :data:`UNUSED_DAYS` is removed."""
    if file.stat().st_mtime < time.time() - _DAY:
        os.utime(file)


def _prune(folder: Path, now: float) -> None:
    """Remove the caches of trees no run used for :data:`UNUSED_DAYS` (a moved or deleted
    repository, a temporary copy), and what a killed save left."""
    for entry in os.scandir(folder):
        age = now - entry.stat(follow_symlinks=False).st_mtime
        unused = entry.name.endswith(".bin") and age > UNUSED_DAYS * _DAY
        if unused or (entry.name.startswith(TEMPORARY) and age > _DAY):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
