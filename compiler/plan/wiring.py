"""Does each app's own kustomization list its backup Component? And the text that would.

kustomize builds an app from its kustomization.yaml (``<app>/`` or the flux-template
``<app>/app/``); a Component that is not listed under ``components:`` is never applied, so
the backups it carries silently never exist. ``compile --fix`` writes the ``fixed`` text:
the same file through ruamel's round trip, comments, ``---`` and indentation kept.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.util import load_yaml_guess_indent

from compiler.plan.types import ComponentPlan, Wiring
from compiler.tree import Inventory


def _lists(components: Sequence[str], wanted: str) -> bool:
    normal = wanted.removeprefix("./").rstrip("/")
    return any(str(c).removeprefix("./").rstrip("/") == normal for c in components)


def with_component(text: str, component: str) -> str | None:
    """``text`` (a kustomization) with ``component`` appended to ``components:``."""
    try:
        data, indent, block_seq_indent = load_yaml_guess_indent(text)
    except YAMLError:
        return None
    if not isinstance(data, CommentedMap):
        return None
    components = data.get("components")
    if not isinstance(components, CommentedSeq):
        components = CommentedSeq()
        data["components"] = components
    components.append(component)
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=indent or 2, sequence=indent or 2, offset=block_seq_indent or 0)
    yaml.explicit_start = text.lstrip().startswith("---")
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return buffer.getvalue()


def _state(component: ComponentPlan, inventory: Inventory) -> Wiring:
    found = inventory.app_kustomization(component.app_dir)
    if found is None:
        return Wiring(component, "missing")
    kustomization, reference = found
    if kustomization.error:
        return Wiring(
            component,
            "unreadable",
            kustomization.file,
            kustomization.error_at,
            kustomization.error,
            reference,
        )
    if _lists(kustomization.components, reference):
        return Wiring(component, "listed", kustomization.file, reference=reference)
    text = inventory.files[kustomization.file].text or ""
    fixed = with_component(text, reference) or ""
    at = kustomization.components_at or (1, 1)
    return Wiring(component, "unlisted", kustomization.file, at, reference=reference, fixed=fixed)


def wiring(components: Sequence[ComponentPlan], inventory: Inventory) -> tuple[Wiring, ...]:
    return tuple(_state(component, inventory) for component in components)
