"""A tiny deterministic YAML writer for plain data (Litestream configs).

Mappings keep insertion order, scalars go through the same writer as the templates' ``q``
filter (:mod:`compiler.yamlscalar`); empty collections are refused (they would be ``null``
or ambiguous).
"""

from __future__ import annotations

import re
from typing import Any

from compiler.yamlscalar import quote

_KEY = re.compile(r"^[a-z][a-z0-9-]*$")


def _mapping(value: dict[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for key, item in value.items():
        if not _KEY.match(key):
            raise ValueError(f"refusing YAML key {key!r}")
        if isinstance(item, dict | list):
            lines.append(f"{pad}{key}:")
            lines.extend(_lines(item, indent + 2))
        else:
            lines.append(f"{pad}{key}: {quote(item)}")
    return lines


def _lines(value: Any, indent: int) -> list[str]:
    if isinstance(value, dict | list) and not value:
        raise ValueError("refusing an empty mapping or list")
    if isinstance(value, dict):
        return _mapping(value, indent)
    if isinstance(value, list):
        lines: list[str] = []
        for item in value:
            inner = _lines(item, indent + 2)
            lines.append(" " * indent + "- " + inner[0][indent + 2 :])
            lines.extend(inner[1:])
        return lines
    return [" " * indent + quote(value)]


def dump(value: dict[str, Any]) -> str:
    """``value`` as block-style YAML text ending in a newline."""
    return "\n".join(_lines(value, 0)) + "\n"
