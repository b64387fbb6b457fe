"""The PVCs an app's build holds or makes, whoever writes them.

Three sources, each judged like the others by the rules:

- ``manifest``: a PersistentVolumeClaim written in a file of the build;
- ``chart``: a PVC bjw-s app-template creates for a HelmRelease of the build
  (``persistence.<key>`` of type persistentVolumeClaim without ``existingClaim``; the names
  come from :mod:`compiler.tree.apptemplate`);
- ``template``: the PVCs ``<template>-<statefulset>-<ordinal>`` the StatefulSet controller
  creates from ``volumeClaimTemplates``, of a StatefulSet written in the tree or rendered by
  app-template (``controllers.<id>.statefulset.volumeClaimTemplates``).

A HelmRelease whose render cannot be known (another chart, values from a Secret) may create
PVCs nobody can name: it is listed in ``unknown``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

from msgspec import Struct

from compiler.core.data import mapping_at
from compiler.tree.apptemplate import ChartRender
from compiler.tree.fluxreleases import app_flux, app_patches, release_at
from compiler.tree.inventory import Inventory, ScopedPatch, UnknownBuild
from compiler.tree.records import FluxKustomization, HelmRelease, Manifest

ClaimSource = Literal["manifest", "chart", "template"]


class Claim(Struct, frozen=True):
    """One PVC and the object of the tree it comes from (``owner``: the PVC itself, the
    HelmRelease or the StatefulSet). ``key`` is the persistence key or the claim template's
    name, ``index`` the template's place in its list, ``controller`` the app-template
    controller of a chart's claim template."""

    name: str
    source: ClaimSource
    owner: Manifest
    storage_class: str = ""
    key: str = ""
    index: int = 0
    controller: str = ""

    @property
    def described(self) -> str:
        kind, name = self.owner.kind, self.owner.name
        if self.source == "manifest":
            return "written in the tree"
        if self.source == "chart":
            return f"persistence.{self.key} of HelmRelease {name}"
        return f"volumeClaimTemplates {self.key} of {kind} {name}"


class BuildClaims(Struct, frozen=True):
    """The PVCs of a build, and its HelmReleases whose PVCs cannot be known."""

    claims: tuple[Claim, ...] = ()
    unknown: tuple[HelmRelease, ...] = ()

    def named(self, name: str) -> Claim | None:
        return next((c for c in self.claims if c.name == name), None)


def _replicas(body: Mapping[str, Any]) -> int:
    replicas = mapping_at(body, "spec").get("replicas", 1)
    ok = isinstance(replicas, int) and not isinstance(replicas, bool) and replicas >= 0
    return replicas if ok else 1


def _written_templates(manifest: Manifest) -> Iterator[Claim]:
    templates = mapping_at(manifest.body, "spec").get("volumeClaimTemplates")
    for index, template in enumerate(templates if isinstance(templates, list) else []):
        name = mapping_at(template, "metadata").get("name")
        if not isinstance(name, str):
            continue
        storage = str(mapping_at(template, "spec").get("storageClassName") or "")
        for ordinal in range(_replicas(manifest.body)):
            claim = f"{name}-{manifest.name}-{ordinal}"
            yield Claim(claim, "template", manifest, storage, name, index)


def chart_claims(manifest: Manifest, render: ChartRender) -> Iterator[Claim]:
    for pvc in render.pvcs:
        yield Claim(pvc.name, "chart", manifest, pvc.storage_class, pvc.key)
    for controller in render.controllers:
        for template in controller.claim_templates:
            for claim in template.claims:
                yield Claim(
                    claim,
                    "template",
                    manifest,
                    template.storage_class,
                    template.name,
                    template.index,
                    controller.identifier,
                )


def file_claims(
    inventory: Inventory,
    path: str,
    flux: FluxKustomization | None = None,
    patches: tuple[ScopedPatch, ...] = (),
) -> BuildClaims:
    """The PVCs the objects written in ``path`` hold or make (a release's names as ``flux``
    substitutes them, by default the one Kustomization applying the file)."""
    claims: list[Claim] = []
    unknown: list[HelmRelease] = []
    for manifest in inventory.manifests_in(path):
        if manifest.kind == "PersistentVolumeClaim":
            storage = mapping_at(manifest.body, "spec").get("storageClassName")
            claims.append(Claim(manifest.name, "manifest", manifest, str(storage or "")))
        elif manifest.kind == "StatefulSet":
            claims += _written_templates(manifest)
        elif (found := release_at(inventory, manifest, flux, patches)) is not None:
            release, render = found
            if render is None:
                unknown.append(release)
            else:
                claims += chart_claims(manifest, render)
    return BuildClaims(tuple(claims), tuple(unknown))


def build_claims(
    inventory: Inventory,
    folder: str,
    skip: str = "",
    flux: FluxKustomization | None = None,
    patches: tuple[ScopedPatch, ...] = (),
) -> BuildClaims:
    """The PVCs of ``kustomize build folder`` (leaving out ``skip``), as ``flux`` applies
    them. Raises UnknownBuild when the build cannot be known from the tree."""
    claims: list[Claim] = []
    unknown: list[HelmRelease] = []
    for path in inventory.build_files(folder, skip):
        found = file_claims(inventory, path, flux, patches)
        claims += found.claims
        unknown += found.unknown
    return BuildClaims(tuple(claims), tuple(unknown))


def _by_app(inventory: Inventory) -> dict[str, BuildClaims | None]:
    return {}


def app_claims(inventory: Inventory, app_dir: str) -> BuildClaims | None:
    """The PVCs of an app's build (its Component left out); None when the app has no
    kustomization or its build cannot be known. Raises nothing. Made once per app and
    inventory: the planners, the census and four rules ask for the same app."""
    known = inventory.derived(_by_app)
    if app_dir not in known:
        known[app_dir] = _app_claims(inventory, app_dir)
    return known[app_dir]


def _app_claims(inventory: Inventory, app_dir: str) -> BuildClaims | None:
    found = inventory.app_kustomization(app_dir)
    if found is None:
        return None
    try:
        flux, patches = app_flux(inventory, app_dir), app_patches(inventory, app_dir)
        return build_claims(inventory, found[0].folder, f"{app_dir}/backup", flux, patches)
    except UnknownBuild:
        return None
