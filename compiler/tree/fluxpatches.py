"""Flux Kustomizations that patch the Flux Kustomizations they apply.

The cluster template most Flux homelabs start from gives its ``cluster-apps`` Kustomization
``spec.patches`` that add ``postBuild.substituteFrom`` (cluster-settings, cluster-secrets)
to every app's Kustomization it applies: an app's ``ks.yaml`` with no ``postBuild`` is
substituted all the same. Read as written, the compiler took such an app as applied
without substitution and wrote the generated scripts' shell variables unescaped
(``${VERIFY_ROOT:-}``), which Flux would then replace with empty strings. The records are
read here as the parents' strategic-merge patches leave their ``postBuild``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from msgspec.structs import replace

from compiler.core.data import mapping_at
from compiler.tree.fluxreach import flux_build, normal, own_kustomizations
from compiler.tree.inventory import Inventory
from compiler.tree.kpatches import target_matches
from compiler.tree.records import FluxKustomization, substitute_sources

_GROUP = "kustomize.toolkit.fluxcd.io"


def _selected(selector: object, labels: Mapping[str, Any]) -> bool:
    """A ``key=value,...`` label selector (any other form selects nothing here)."""
    if not selector:
        return True
    pairs = [part.split("=", 1) for part in str(selector).split(",")]
    if any(len(p) != 2 or p[0].endswith(("!", " in", " notin")) for p in pairs):
        return False
    return all(str(labels.get(k.strip())) == v.strip().lstrip("=") for k, v in pairs)


def _postbuild_patches(
    parent: FluxKustomization, read: Any
) -> Iterator[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """(target, postBuild) of each patch of ``parent`` that sets a child's ``postBuild``."""
    patches = mapping_at(parent.manifest.body, "spec").get("patches")
    for entry in patches if isinstance(patches, list) else []:
        target = mapping_at(entry, "target") if isinstance(entry, Mapping) else {}
        text = entry.get("patch") if isinstance(entry, Mapping) else None
        if target.get("kind") not in (None, "Kustomization") or not isinstance(text, str):
            continue
        parsed = read(text)
        for document in parsed if isinstance(parsed, list) else []:
            post_build = mapping_at(document.data, "spec", "postBuild")
            if post_build:
                yield target, post_build


def _applies(target: Mapping[str, Any], child: FluxKustomization) -> bool:
    manifest = child.manifest
    labels = mapping_at(manifest.body, "metadata", "labels")
    return (
        manifest.group == _GROUP
        and target_matches(target.get("name"), manifest.name)
        and target_matches(target.get("namespace"), manifest.namespace)
        and _selected(target.get("labelSelector"), labels)
    )


def _patched(child: FluxKustomization, post_build: Mapping[str, Any]) -> FluxKustomization:
    """``child`` as a strategic merge of ``postBuild`` leaves it: ``substitute`` maps merged
    (the patch's values win), ``substituteFrom`` replaced (a list of a custom resource)."""
    substitute = {**child.substitute}
    substitute.update({str(k): str(v) for k, v in mapping_at(post_build, "substitute").items()})
    sources = post_build.get("substituteFrom")
    replaced = isinstance(sources, list)  # a list of a custom resource: replaced whole
    substitute_from = substitute_sources(sources) if replaced else child.substitute_from
    return replace(child, substitute=substitute, substitute_from=substitute_from)


def with_parent_patches(inventory: Inventory) -> Inventory:
    """``inventory`` with each Flux Kustomization as the patches of those applying it
    leave its ``postBuild`` (unchanged when no Kustomization patches another)."""
    records = list(inventory.flux_kustomizations)
    for parent in own_kustomizations(inventory):
        patches = list(_postbuild_patches(parent, inventory.parse))
        if not patches or "${" in parent.path:
            continue
        applied = flux_build(inventory, normal(parent.path)).files
        for index, child in enumerate(records):
            if child.manifest.file not in applied or child.manifest is parent.manifest:
                continue
            for target, post_build in patches:
                if _applies(target, child):
                    records[index] = child = _patched(child, post_build)
    if records == list(inventory.flux_kustomizations):
        return inventory
    return replace(inventory, flux_kustomizations=tuple(records))
