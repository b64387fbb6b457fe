"""Which Flux Kustomization applies a file of the tree, and Flux's ``${VAR}`` substitution.

An index over the tree's Flux Kustomizations: the one whose ``spec.path`` build holds a file
(the most specific path wins), and, per file of a Kustomize Component that Kustomizations
add with ``spec.components``, every Kustomization that adds it (each substitutes its own
``postBuild`` variables into it). Builds follow :mod:`compiler.tree.fluxreach`.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from compiler.core.data import mapping_at
from compiler.tree.fluxreach import flux_build, normal
from compiler.tree.inventory import Inventory
from compiler.tree.records import FluxKustomization

# Flux's envsubst: ${VAR}, ${VAR:=default}, ${VAR:-default}, ${VAR=default}, ${VAR-default}
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[=-]([^}]*))?\}")


def target_namespace(flux: FluxKustomization) -> str:
    """``spec.targetNamespace`` of a Flux Kustomization ('' when not set)."""
    value = mapping_at(flux.manifest.body, "spec").get("targetNamespace")
    return value if isinstance(value, str) else ""


def substitute(text: str, variables: Mapping[str, str]) -> str | None:
    """``text`` with Flux's ``${VAR}`` replaced from ``variables`` (defaults applied); None
    when a variable is neither set nor defaulted."""
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        name, default = match.group(1), match.group(2)
        if name in variables:
            return variables[name]
        if default is not None:
            return default
        missing = True
        return match.group(0)

    result = _VARIABLE.sub(value, text)
    return None if missing else result


@dataclass
class FluxIndex:
    """``applied[file]``: the Kustomization applying it; ``components[file]``: those adding
    the Component it belongs to."""

    applied: dict[str, FluxKustomization] = field(default_factory=dict)
    depth: dict[str, int] = field(default_factory=dict)
    components: dict[str, list[FluxKustomization]] = field(default_factory=dict)

    def applying(self, file: str) -> FluxKustomization | None:
        return self.applied.get(file)


def flux_index(inventory: Inventory) -> FluxIndex:
    """Every file the tree's Flux Kustomizations apply, and who adds each Component file."""
    index = FluxIndex()
    ordered = sorted(
        inventory.flux_kustomizations, key=lambda k: (k.manifest.file, k.manifest.name)
    )
    for flux in ordered:
        if "${" in flux.path:
            continue
        path = normal(flux.path)
        depth = 0 if path == "." else path.count("/") + 1
        for file in flux_build(inventory, path).files:
            if depth > index.depth.get(file, -1):
                index.applied[file], index.depth[file] = flux, depth
        for component in flux.components:
            folder = normal(posixpath.join(path, component))
            for file in flux_build(inventory, folder).files:
                users = index.components.setdefault(file, [])
                if flux not in users:
                    users.append(flux)
    return index
