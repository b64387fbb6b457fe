"""The ReplicationSources the tree itself writes for an app's PVCs, after Flux substitution.

Most Flux homelabs back up PVCs with a shared Kustomize Component (``components/volsync``)
that each app's Flux Kustomization adds with ``spec.components`` and fills from its
``postBuild.substitute``. Such a ReplicationSource is read as kustomize-controller applies
it: its name, ``sourcePVC`` and ``trigger.schedule`` with ``${VAR}`` (and
``${VAR:=default}``) replaced. ``import`` reads every ReplicationSource this way; with
``volsync.existing`` the compiler writes none of its own for the app's PVCs and watches
these instead (rule BP383 keeps the two from backing up one PVC twice).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from typing import Any

from msgspec import Struct

from compiler.analyse import EffectiveService
from compiler.core.data import mapping_at
from compiler.tree import Inventory, Manifest
from compiler.tree.fluxapps import FluxIndex, flux_index, substitute
from compiler.tree.fluxcomponents import flux_folder, variables_of

GROUP, KIND = "volsync.backube", "ReplicationSource"


def sub(value: Any, variables: Mapping[str, str]) -> str:
    """A field of the object with the Flux variables replaced ('' when unknown)."""
    text = str(value) if value is not None else ""
    return substitute(text, variables) or ""


class TreeSource(Struct, frozen=True):
    """One ReplicationSource as the cluster gets it: its name, PVC and schedule, and the
    variables it was filled from (its other fields are read with them when needed)."""

    manifest: Manifest
    name: str
    claim: str
    schedule: str
    variables: Mapping[str, str]


def read_source(manifest: Manifest, variables: Mapping[str, str]) -> TreeSource | None:
    """``manifest`` filled from ``variables``; None without a readable PVC or schedule."""
    spec = mapping_at(manifest.body, "spec")
    claim = sub(spec.get("sourcePVC"), variables)
    schedule = sub(mapping_at(spec, "trigger").get("schedule"), variables)
    name = sub(mapping_at(manifest.body, "metadata").get("name"), variables) or manifest.name
    if not claim or not schedule:
        return None
    return TreeSource(manifest, name, claim, schedule, variables)


def _variables(
    inventory: Inventory, index: FluxIndex, manifest: Manifest, app_dir: str, folder: str
) -> Iterator[Mapping[str, str]]:
    """The variables of each way the app's build holds ``manifest``: written in the app's
    folder, or in a Component the app's Flux Kustomization adds."""
    if manifest.file.startswith(f"{app_dir}/") and not manifest.file.startswith(
        f"{app_dir}/backup/"
    ):
        flux = index.applying(manifest.file)
        yield variables_of(inventory, flux) if flux is not None else {}
    for flux in index.components.get(manifest.file, ()):
        if flux_folder(flux.path) == folder:
            yield variables_of(inventory, flux)


def instances(
    inventory: Inventory, service: EffectiveService, kind: str
) -> Iterator[tuple[Manifest, Mapping[str, str]]]:
    """Each VolSync object of ``kind`` the app's build holds, with the variables of each way
    it holds it."""
    found = inventory.app_kustomization(service.app_dir)
    manifests = [m for m in inventory.manifests if m.kind == kind and m.group == GROUP]
    if found is None or not manifests:
        return
    index, folder = flux_index(inventory), posixpath.normpath(found[0].folder)
    for manifest in manifests:
        for variables in _variables(inventory, index, manifest, service.app_dir, folder):
            yield manifest, variables


def tree_sources(inventory: Inventory, service: EffectiveService) -> dict[str, TreeSource]:
    """The hand-written ReplicationSources of the app's build, by the PVC they back up."""
    sources: dict[str, TreeSource] = {}
    for manifest, variables in instances(inventory, service, KIND):
        source = read_source(manifest, variables)
        if source is not None:
            sources.setdefault(source.claim, source)
    return sources
