"""The PVCs a Flux Kustomization adds to an app's build through ``spec.components``.

kustomize-controller builds ``spec.path`` with the Components of ``spec.components`` added
after the kustomization's own (fluxcd/pkg ``kustomize_generator.go``), then fills ``${VAR}``
from ``postBuild.substitute`` and the ConfigMaps of ``substituteFrom``. A shared VolSync
Component (``components/volsync`` writing ``${APP}-data``) thus adds one PVC to each app
whose Kustomization names it: it exists in the cluster under the substituted name, with the
substituted size and storage class. A patch of the app's own Components does not reach it
(those run first), but an object that names the PVC (a ReplicationSource) does.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from typing import Any

from compiler.core.data import mapping_at
from compiler.tree.fluxapps import substitute
from compiler.tree.fluxreach import own_kustomizations
from compiler.tree.inventory import Inventory, UnknownBuild
from compiler.tree.records import FluxKustomization, Manifest, Pvc


def variables_of(inventory: Inventory, flux: FluxKustomization) -> dict[str, str]:
    """``postBuild.substitute`` over the ConfigMaps of ``substituteFrom`` in the tree."""
    found: dict[str, str] = {}
    for kind, name in flux.substitute_from:
        for manifest in inventory.manifests:
            if manifest.kind == kind == "ConfigMap" and manifest.name == name:
                data = mapping_at(manifest.body, "data")
                found.update({str(k): str(v) for k, v in data.items()})
    found.update(flux.substitute)
    return found


def flux_folder(path: str) -> str:
    """The folder of a Flux Kustomization's ``spec.path`` ('' for the root)."""
    normal = posixpath.normpath(path.removeprefix("./")) if path else "."
    return "" if normal == "." else normal


def _filled(value: Any, variables: Mapping[str, str]) -> Any:
    """``value`` with every string substituted; None when a variable stays unknown."""
    if isinstance(value, str):
        return substitute(value, variables)
    if isinstance(value, Mapping):
        items = {str(k): _filled(v, variables) for k, v in value.items()}
        return None if any(v is None for v in items.values()) else items
    if isinstance(value, list):
        filled = [_filled(v, variables) for v in value]
        return None if any(v is None for v in filled) else filled
    return value


def resolved_pvc(pvc: Pvc, variables: Mapping[str, str]) -> Pvc | None:
    """``pvc`` as ``variables`` substitute it (None: a variable stays unknown)."""
    body = _filled(pvc.manifest.body, variables)
    if not isinstance(body, Mapping):
        return None
    name = str(mapping_at(body, "metadata").get("name") or "")
    if not name:
        return None
    manifest = Manifest(
        pvc.manifest.file,
        pvc.manifest.index,
        pvc.manifest.api_version,
        pvc.manifest.kind,
        name,
        str(mapping_at(body, "metadata").get("namespace") or pvc.manifest.namespace),
        pvc.manifest.at,
        body,
    )
    labels = mapping_at(body, "metadata", "labels")
    storage = str(mapping_at(body, "spec").get("storageClassName") or "")
    return Pvc(manifest, storage, {str(k): str(v) for k, v in labels.items()})


def _component_files(inventory: Inventory, folder: str, component: str) -> tuple[str, ...]:
    try:
        return inventory.build_files(posixpath.normpath(posixpath.join(folder, component)))
    except UnknownBuild:
        return ()


def component_pvcs(inventory: Inventory, folder: str) -> Iterator[Pvc]:
    """Each PVC the Components of the Flux Kustomizations building ``folder`` add, under
    the name and with the fields their substitution gives (left out: a PVC with a variable
    that stays unknown)."""
    folder = posixpath.normpath(folder)
    for flux in own_kustomizations(inventory):
        if flux_folder(flux.path) != folder or not flux.components:
            continue
        variables = variables_of(inventory, flux)
        for component in flux.components:
            files = set(_component_files(inventory, folder, component))
            for pvc in inventory.pvcs:
                resolved = resolved_pvc(pvc, variables) if pvc.manifest.file in files else None
                if resolved is not None:
                    yield resolved
