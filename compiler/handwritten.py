"""Reading the user's hand-written manifests, whose shapes the compiler does not control.

Anything may be in them: a file that does not parse, a scalar where a mapping belongs. The
readers here never raise on content; a check that cannot read what it needs stays silent
rather than guessing.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from compiler.core.yamlread import YAMLDocumentError, load_documents


def yaml_documents(path: Path) -> list[dict[str, Any]]:
    """The mappings in a YAML file; none when it cannot be read or parsed.

    Several checks read the same app files in one run, so parses are cached by content
    (reading is cheap, parsing is not). Treat the result as read-only.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return list(_parsed(text))


@lru_cache(maxsize=1024)
def _parsed(text: str) -> tuple[dict[str, Any], ...]:
    try:
        return tuple(d for d in load_documents(text) if isinstance(d, dict))
    except YAMLDocumentError:
        return ()


def mapping_at(node: Any, *keys: str) -> dict[str, Any]:
    """``node[k1][k2]...`` when every step is a mapping, else ``{}``: hand-written files vary."""
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}
