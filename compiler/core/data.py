"""Reading plain data of unknown shape (the user's files): never raises on content."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def mapping_at(node: object, *keys: str) -> Mapping[str, Any]:
    """``node[k1][k2]...`` when every step is a mapping, else ``{}``."""
    for key in keys:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node if isinstance(node, Mapping) else {}
