"""HelmReleases as Flux applies them: name and values with the post-build substitutions.

Flux substitutes ``${VAR}`` in every string of what the build emits, a HelmRelease's name
and values included, before helm-controller sees it. A release written ``name: ${APP}``
(tyriis's worlds: one release file per app folder) therefore installs as ``paperless``, and
app-template names its PVCs after that: ``paperless-config``. Read as written, its render
was unknown and every PVC a policy named there was "not in the build" (BP405).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from msgspec import structs

from compiler.tree.apptemplate import ChartRender, app_template_render
from compiler.tree.fluxapps import applied_as, applying_folder, flux_index, substitute
from compiler.tree.fluxcomponents import variables_of
from compiler.tree.inventory import Inventory, ScopedPatch, UnknownBuild
from compiler.tree.kpatches import patched_values
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


def _variable_key(value: Any) -> bool:
    """Whether a mapping key of ``value`` holds a variable (``persistence.${APP}``): the
    patches must address it as written, and a render under the substituted key would
    patch another one (two keys in the build, one after Flux substitutes)."""
    if isinstance(value, Mapping):
        return any("${" in str(k) or _variable_key(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_variable_key(v) for v in value)
    return False


def _substituted(value: Any, variables: Mapping[str, str]) -> Any:
    """``value`` with every string value substituted (keys are left as written); a
    string with an unknown variable is kept as written (its value is not in the tree)."""
    if isinstance(value, str):
        found = substitute(value, variables) if "${" in value else None
        return found if found is not None else value
    if isinstance(value, Mapping):
        return {k: _substituted(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [_substituted(v, variables) for v in value]
    return value


def _applying(inventory: Inventory, file: str) -> FluxKustomization | None:
    """The one Kustomization that applies ``file`` (None: none known, or several: a
    Component or folder shared by apps, each substituting its own names)."""
    index = flux_index(inventory)
    several = index.sharing(file)
    if several:
        return several[0] if len(several) == 1 else None
    return index.applying(file)


def app_flux(inventory: Inventory, app_dir: str) -> FluxKustomization | None:
    """The one Flux Kustomization that builds the app's kustomization (None: none known,
    or several): it decides the names of a release shared by apps through a Component."""
    found = inventory.app_kustomization(app_dir)
    fluxes = applying_folder(inventory, found[0].folder) if found is not None else ()
    return fluxes[0] if len(fluxes) == 1 else None


def applied_release(
    inventory: Inventory, release: HelmRelease, flux: FluxKustomization | None = None
) -> HelmRelease:
    """``release`` as ``flux`` (by default the one Kustomization applying its file)
    substitutes it, from ``postBuild.substitute`` and the tree's ConfigMaps of
    ``substituteFrom``: as written when it has no variable, nothing decides them, or a
    mapping key holds one."""
    name, values = release.release_name, release.values
    if ("${" not in name and not _has_variable(values)) or _variable_key(values):
        return release
    flux = flux if flux is not None else _applying(inventory, release.manifest.file)
    variables = variables_of(inventory, flux) if flux is not None else {}
    if not variables:
        return release
    return structs.replace(
        release,
        release_name=_substituted(name, variables),
        values=_substituted(values, variables) if values is not None else None,
    )


def _rendered(
    inventory: Inventory,
    release: HelmRelease,
    flux: FluxKustomization | None,
    patches: tuple[ScopedPatch, ...] = (),
) -> _Render:
    """The release as its app's build patches it (kustomize, first), then as Flux
    substitutes it, and what its chart renders."""
    touched, values = patched_values(inventory, release, patches) if patches else (False, None)
    patched = structs.replace(release, values=values) if touched else release
    applied = applied_release(inventory, patched, flux)
    if applied is release:
        found = inventory.release_as_written(release.manifest)
        return found if found is not None else (release, app_template_render(release))
    return applied, app_template_render(applied)


def _renders(inventory: Inventory) -> dict[tuple[str, int], _Render]:
    return {
        (r.manifest.file, r.manifest.index): _rendered(inventory, r, None)
        for r in inventory.helm_releases
    }


def release_at(
    inventory: Inventory,
    manifest: Manifest,
    flux: FluxKustomization | None = None,
    patches: tuple[ScopedPatch, ...] = (),
) -> _Render | None:
    """The HelmRelease record of a manifest as Flux applies it (``flux``: the app's
    Kustomization, where a Component shared by apps holds the release; ``patches``: those of
    the app's build), and what its chart renders (None: unknown); None when the manifest is
    no HelmRelease."""
    if flux is None and not patches:
        return inventory.derived(_renders).get((manifest.file, manifest.index))
    found = inventory.release_as_written(manifest)
    return _rendered(inventory, found[0], flux, patches) if found is not None else None


def app_patches(inventory: Inventory, app_dir: str) -> tuple[ScopedPatch, ...]:
    """The patches of the app's build (its backup Component left out), in kustomize's
    order, each with the files it reaches."""
    found = inventory.app_kustomization(app_dir)
    try:
        return inventory.build_patches(found[0].folder, f"{app_dir}/backup") if found else ()
    except UnknownBuild:
        return ()


def renders_of(
    inventory: Inventory, manifest: Manifest
) -> tuple[tuple[FluxKustomization | None, _Render], ...]:
    """The release of a manifest as each app applies it, with the Kustomization that names
    it: once per Kustomization sharing its file when none decides it alone (a Component
    many apps add, each naming it ``${APP}``), else once. Empty for no HelmRelease."""
    found = release_at(inventory, manifest)
    if found is None:
        return ()
    index = flux_index(inventory)
    users = index.sharing(manifest.file)
    if found[1] is not None or len(users) < 2:
        return ((None, found),)
    each = ((flux, release_at(inventory, manifest, flux)) for flux in users)
    return tuple((flux, render) for flux, render in each if render is not None)


def _app_releases(inventory: Inventory, app_dir: str) -> Iterator[HelmRelease]:
    """The hand-written releases the app's build applies: from its folder, or from a
    Component shared by apps (a patch's partial release is no resource of the build). All
    under ``app_dir`` (not in its backup/) when the build is not known from the tree."""
    generated = f"{app_dir}/backup"
    found = inventory.app_kustomization(app_dir)
    try:
        files = inventory.build_files(found[0].folder, generated) if found else None
    except UnknownBuild:
        files = None
    if files is None:
        under = inventory.helm_releases_under(app_dir)
        yield from (r for r in under if not r.manifest.file.startswith(f"{generated}/"))
        return
    for file in files:
        for manifest in inventory.manifests_in(file):
            written = inventory.release_as_written(manifest)
            if written is not None:
                yield written[0]


def _known_as(
    inventory: Inventory, manifest: Manifest, flux: FluxKustomization | None, name: str
) -> bool:
    if manifest.name == name:
        return True
    if flux is not None and "${" in manifest.name:
        return substitute(manifest.name, flux.substitute) == name
    return applied_as(inventory, manifest.file, manifest.name, name)


def app_release(inventory: Inventory, app_dir: str, name: str) -> HelmRelease | None:
    """The hand-written HelmRelease of the app that the cluster knows as ``name``, as Flux
    applies it: written so, or written ``${APP}`` (in the app's folder, or in a Component
    its build adds) and named so by the substitutions of the app's Kustomization."""
    flux = app_flux(inventory, app_dir)
    for release in _app_releases(inventory, app_dir):
        if _known_as(inventory, release.manifest, flux, name):
            patches = app_patches(inventory, app_dir)
            found = release_at(inventory, release.manifest, flux, patches)
            return found[0] if found is not None else release
    return None
