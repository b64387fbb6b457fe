"""Which files of the output tree the tree reader reads, and how much of each.

Shared by the reader (:mod:`compiler.tree.read`) and the replay's digest
(:mod:`compiler.core.witness`), which must see everything the reader reads: one rule, so
that a file the reader starts to read cannot be one the digest misses. Only the standard
library and :mod:`compiler.core.generated` are imported (a replay imports this).
"""

from __future__ import annotations

import io

from compiler.core.generated import is_generated_text

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
YAML_SUFFIXES = (".yaml", ".yml")
TEXT_SUFFIXES = (".md",)
MAX_FILE_BYTES = 2 * 1024 * 1024
"""A hand-written file larger than this is not read: no real manifest comes near it."""
MAX_GENERATED_BYTES = 256 * 1024 * 1024
"""A file the compiler generated is read up to this size: the docs' pages of a large
homelab pass 2 MiB (``backups.md``: 2.3 MB for 1,000 services), and a generated file that
is not read would be a hand-written one in the way of the next compile."""
HEAD_BYTES = 512
"""What is looked at of a larger file (:func:`is_generated_text` looks no further)."""


def is_read(name: str) -> bool:
    """Whether the tree reader reads a file of this name (YAML, Markdown, a Kustomization)."""
    return name in KUSTOMIZATION_NAMES or name.endswith(YAML_SUFFIXES + TEXT_SUFFIXES)


def read_whole(stream: io.BufferedReader, size: int) -> bool:
    """Whether the reader reads all ``size`` bytes of the file ``stream`` is at the start
    of: up to :data:`MAX_FILE_BYTES`, and a generated one (its head peeked at, the stream
    left where it is) up to :data:`MAX_GENERATED_BYTES`."""
    if size <= MAX_FILE_BYTES:
        return True
    head = stream.peek(HEAD_BYTES)[:HEAD_BYTES].decode("utf-8", errors="replace")
    return size <= MAX_GENERATED_BYTES and is_generated_text(head)
