"""The tree as this compile leaves it: the inventory with the planned files in place.

Rules about folders ask it (does a ``components:`` entry exist after the compile? does Flux
reach a generated folder?), and so does the plan's choice of the folders Flux applies
without substitution (a shared folder may not be in the tree before the compile): planned
kustomizations and Flux Kustomizations become records, generated files no policy produces
any more are gone. Nothing is written.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

from msgspec.structs import replace

from compiler.core.data import mapping_at
from compiler.plan.types import OutputFile, Plan
from compiler.tree import FluxKustomization, Inventory, Kustomization, Manifest, TreeFile
from compiler.tree.records import flux_kustomization

FLUX_GROUP = "kustomize.toolkit.fluxcd.io"


def _strings(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _kustomization(file: OutputFile, document: Mapping[str, Any]) -> Kustomization:
    return Kustomization(
        posixpath.dirname(file.path) or ".",
        file.path,
        str(document.get("kind") or "Kustomization"),
        _strings(document.get("resources")),
        _strings(document.get("components")),
    )


def _flux(file: OutputFile, index: int, document: Mapping[str, Any]) -> FluxKustomization:
    metadata = mapping_at(document, "metadata")
    manifest = Manifest(
        file.path,
        index,
        str(document.get("apiVersion")),
        "Kustomization",
        str(metadata.get("name") or ""),
        str(metadata.get("namespace") or ""),
        body=document,
    )
    return flux_kustomization(manifest)


def _is_flux(document: Mapping[str, Any]) -> bool:
    api = str(document.get("apiVersion") or "")
    return document.get("kind") == "Kustomization" and api.startswith(f"{FLUX_GROUP}/")


def _folders(path: str) -> set[str]:
    parts = path.split("/")[:-1]
    return {"/".join(parts[: end + 1]) for end in range(len(parts))}


def after_compile(inventory: Inventory, plan: Plan) -> Inventory:
    """``inventory`` with every planned file written and every stale generated one removed."""
    planned = {f.path for f in plan.files}
    files = {p: f for p, f in inventory.files.items() if not f.generated or p in planned}
    kustomizations = {k: v for k, v in inventory.kustomizations.items() if v.file in files}
    flux = [k for k in inventory.flux_kustomizations if k.manifest.file in files]
    folders = set(inventory.folders)
    for file in plan.files:
        files[file.path] = TreeFile(file.path, "", generated=True)
        folders |= _folders(file.path)
        for index, document in enumerate(file.documents):
            if not isinstance(document, Mapping):
                continue
            if posixpath.basename(file.path) == "kustomization.yaml":
                kustomizations[posixpath.dirname(file.path) or "."] = _kustomization(file, document)
            elif _is_flux(document):
                flux.append(_flux(file, index, document))
    return replace(
        inventory,
        files=files,
        kustomizations=kustomizations,
        flux_kustomizations=tuple(flux),
        folders=frozenset(folders),
        parsed={p: d for p, d in inventory.parsed.items() if p not in planned},
    )
