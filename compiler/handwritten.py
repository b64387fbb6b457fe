"""Reading the user's hand-written manifests, whose shapes the compiler does not control.

Anything may be in them: a file that does not parse, a scalar where a mapping belongs. The
readers here never raise on content; a check that cannot read what it needs stays silent
rather than guessing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError


def yaml_documents(path: Path) -> list[dict[str, Any]]:
    """The mappings in a YAML file; none when it cannot be read or parsed."""
    try:
        text = path.read_text(encoding="utf-8")
        return [d for d in YAML(typ="safe", pure=True).load_all(text) if isinstance(d, dict)]
    except (OSError, UnicodeDecodeError, YAMLError):
        return []


def mapping_at(node: Any, *keys: str) -> dict[str, Any]:
    """``node[k1][k2]...`` when every step is a mapping, else ``{}``: hand-written files vary."""
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}
