"""The SQLite databases the tree's hand-written Litestream configs replicate.

A Litestream config is a mapping whose ``dbs`` is a list of mappings with a ``path``. The
tree ships them every way Flux apps do: a file of a ``configMapGenerator``, the ``data`` of
a ConfigMap, app-template ``configMaps`` values (a HelmRelease or a values file). So every
hand-written YAML file is searched, and every string in it that holds such a config. The
generated configs (the backup Components) are the compiler's own and are not listed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from msgspec import Struct

from compiler.tree.inventory import Inventory
from compiler.tree.nodes import read_documents

Position = tuple[int, int]
MAX_DEPTH = 12


class ReplicatedDatabase(Struct, frozen=True):
    """A database path a Litestream config of ``file`` replicates (``at``: its line)."""

    path: str
    file: str
    at: Position = (1, 1)


def _config_paths(data: Any) -> Iterator[str]:
    dbs = data.get("dbs") if isinstance(data, Mapping) else None
    for db in dbs if isinstance(dbs, list) else []:
        if isinstance(db, Mapping) and isinstance(db.get("path"), str):
            yield db["path"]


def _embedded(text: str) -> Iterator[str]:
    read = read_documents(text)
    for document in read if isinstance(read, list) else []:
        yield from _config_paths(document.data)


def _paths(node: Any, depth: int = 0) -> Iterator[str]:
    """Database paths of every config in ``node``: as data, or as text in a string."""
    if depth > MAX_DEPTH:
        return
    yield from _config_paths(node)
    children = node.values() if isinstance(node, Mapping) else node
    if isinstance(node, Mapping | list):
        for child in children:
            yield from _paths(child, depth + 1)
    elif isinstance(node, str) and "dbs:" in node:
        yield from _embedded(node)


def _line_of(text: str, path: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if path in line and "path" in line:
            return number
    return 1


def replicated_databases(
    inventory: Inventory, generated: bool = False
) -> tuple[ReplicatedDatabase, ...]:
    """Each database path once per file, in file order (with ``generated``, also those of
    the files an earlier compile wrote)."""
    found: dict[tuple[str, str], ReplicatedDatabase] = {}
    for rel, tree_file in sorted(inventory.files.items()):
        text = tree_file.text
        if text is None or (tree_file.generated and not generated) or "dbs:" not in text:
            continue
        read = inventory.documents(rel)
        for document in read if isinstance(read, list) else []:
            for path in _paths(document.data):
                at = (_line_of(text, path), 1)
                found.setdefault((rel, path), ReplicatedDatabase(path, rel, at))
    return tuple(found.values())
