"""HelmReleases as Flux applies them: name and values with the post-build substitutions.

Flux substitutes ``${VAR}`` in every string of what the build emits, a HelmRelease's name
and values included, before helm-controller sees it. A release written ``name: ${APP}``
(tyriis's worlds: one release file per app folder) therefore installs as ``paperless``, and
app-template names its PVCs after that: ``paperless-config``. Read as written, its render
was unknown and every PVC a policy named there was "not in the build" (BP405).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from msgspec import structs

from compiler.tree.apptemplate import ChartRender, app_template_render
from compiler.tree.fluxapps import applied_as, flux_index, substitute
from compiler.tree.inventory import Inventory
from compiler.tree.records import FluxKustomization, HelmRelease, Manifest

_Render = tuple[HelmRelease, ChartRender | None]


def _has_variable(value: Any) -> bool:
    if isinstance(value, str):
        return "${" in value
    if isinstance(value, Mapping):
        return any(_has_variable(k) or _has_variable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_variable(v) for v in value)
    return False


def _substituted(value: Any, variables: Mapping[str, str]) -> Any:
    """``value`` with every string substituted; a string with an unknown variable is kept
    as written (what it becomes is not in the tree)."""
    if isinstance(value, str):
        found = substitute(value, variables) if "${" in value else None
        return found if found is not None else value
    if isinstance(value, Mapping):
        return {_substituted(k, variables): _substituted(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [_substituted(v, variables) for v in value]
    return value


def _applying(inventory: Inventory, file: str) -> FluxKustomization | None:
    """The one Kustomization that applies ``file`` (None: none known, or several: a
    Component or folder shared by apps, each substituting its own names)."""
    index = flux_index(inventory)
    several = index.components.get(file) or index.shared.get(file)
    if several:
        return several[0] if len(several) == 1 else None
    return index.applying(file)


def applied_release(inventory: Inventory, release: HelmRelease) -> HelmRelease:
    """``release`` as the one Kustomization applying its file substitutes it (as written
    when it has no variable, or no single Kustomization decides them)."""
    name, values = release.release_name, release.values
    if "${" not in name and not _has_variable(values):
        return release
    flux = _applying(inventory, release.manifest.file)
    if flux is None or not flux.substitute:
        return release
    return structs.replace(
        release,
        release_name=_substituted(name, flux.substitute),
        values=_substituted(values, flux.substitute) if values is not None else None,
    )


def _renders(inventory: Inventory) -> dict[tuple[str, int], _Render]:
    found: dict[tuple[str, int], _Render] = {}
    for release in inventory.helm_releases:
        applied = applied_release(inventory, release)
        if applied is release:
            continue  # the inventory's own render stands
        key = (release.manifest.file, release.manifest.index)
        found[key] = (applied, app_template_render(applied))
    return found


def release_at(inventory: Inventory, manifest: Manifest) -> _Render | None:
    """The HelmRelease record of a manifest as Flux applies it, and what its chart renders
    (None: unknown); None when the manifest is no HelmRelease."""
    applied = inventory.derived(_renders).get((manifest.file, manifest.index))
    return applied if applied is not None else inventory.release_as_written(manifest)


def app_release(inventory: Inventory, app_dir: str, name: str) -> HelmRelease | None:
    """The hand-written HelmRelease under ``app_dir`` (not in its backup/) that the cluster
    knows as ``name``, as Flux applies it: written so, or written ``${APP}`` and named so by
    the substitutions of the Kustomization applying it."""
    generated = f"{app_dir}/backup/"
    for release in inventory.helm_releases_under(app_dir):
        manifest = release.manifest
        if manifest.file.startswith(generated):
            continue
        if manifest.name == name or applied_as(inventory, manifest.file, manifest.name, name):
            found = release_at(inventory, manifest)
            return found[0] if found is not None else release
    return None
