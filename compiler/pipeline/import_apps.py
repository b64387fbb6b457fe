"""What the import knows of an app beyond its copies: the tools' app records merged, its
folder, the object that runs it, its storage kind; and the cluster's Flux entry."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence

from compiler.tools.importing import AppKey, ImportedApp, ImportedPart
from compiler.tree import FluxKustomization, HelmRelease, Inventory
from compiler.tree.census import TreeItem, placed
from compiler.tree.fluxapps import as_applied, flux_index
from compiler.tree.fluxreach import reach
from compiler.tree.fluxreleases import release_at


def storage_kind(classes: Sequence[str], tools: set[str]) -> str:
    if "longhorn" in tools or any("longhorn" in c for c in classes):
        return "longhorn"
    return "synology-csi" if any("synology" in c for c in classes) else "external"


def merge_apps(parts: Sequence[ImportedPart]) -> dict[AppKey, ImportedApp]:
    merged: dict[AppKey, ImportedApp] = {}
    for app in (a for part in parts for a in part.apps):
        old = merged.get(app.app)
        if old is None:
            merged[app.app] = app
            continue
        merged[app.app] = ImportedApp(
            app.app,
            old.app_path or app.app_path,
            old.sqlite + app.sqlite,
            old.volumes + app.volumes,
            old.postgres + app.postgres,
            {**old.blocks, **app.blocks},
            old.workload or app.workload,
        )
    return merged


def find_workload(
    inventory: Inventory, key: AppKey, claims: set[str], app_dir: str
) -> dict[str, str] | None:
    for workload in inventory.workloads:
        kind = workload.manifest.kind
        if kind in ("Deployment", "StatefulSet") and claims & {v.claim for v in workload.volumes}:
            return {"kind": kind, "name": workload.manifest.name}
    releases = list(_applied_releases(inventory))
    for release, flux, name in releases:
        render = release_at(inventory, release.manifest)
        chart_claims = set(render[1].claims.values()) if render and render[1] else set()
        manifest = release.manifest
        here = manifest.file.startswith(f"{app_dir}/")
        substituted = "${" in manifest.name and placed(flux, manifest.file, "")[1] == key[1]
        if claims & chart_claims or (name == key[1] and (here or substituted)):
            return {"kind": "HelmRelease", "name": name}
    named = [
        name
        for release, _, name in releases
        if name == key[1] and release.manifest.namespace in ("", key[0])
    ]
    return {"kind": "HelmRelease", "name": key[1]} if len(named) == 1 else None


def _applied_releases(
    inventory: Inventory,
) -> Iterator[tuple[HelmRelease, FluxKustomization | None, str]]:
    """Each HelmRelease with its name as each Kustomization applying it has it (a release
    named ``${APP}``, in the app's folder or in a Component many apps add, is one release
    per app, named by the app's substitutions)."""
    index = flux_index(inventory)
    for release in inventory.helm_releases:
        for flux, name in as_applied(index, release.manifest.file, release.manifest.name):
            yield release, flux, name


def app_dir_of(app: ImportedApp | None, items: Sequence[TreeItem], key: AppKey) -> str:
    if app is not None and app.app_path:
        return app.app_path
    for item in items:
        if item.file and not item.file.startswith(("components/", "kubernetes/components/")):
            folder = posixpath.dirname(item.file)
            return posixpath.dirname(folder) if posixpath.basename(folder) == "app" else folder
    return f"kubernetes/apps/{key[0]}/{key[1]}"


def flux_entry(inventory: Inventory, app_dirs: Sequence[str] = ()) -> str:
    """The folder the cluster's Flux sync applies: of the tree's ``flux`` folders, the one
    whose Flux Kustomizations reach the most imported apps (a repository of several
    clusters has one per cluster), else the shallowest."""
    found = sorted(
        (f for f in inventory.folders if f == "kubernetes/flux" or f.endswith("/flux")),
        key=lambda f: (f != "kubernetes/flux", f.count("/"), f),
    )
    if not found:
        return "kubernetes/flux"
    return max(found, key=lambda entry: _reached(inventory, entry, app_dirs))


def shared_output(
    inventory: Inventory, entry: str, app_dirs: Sequence[str], names: Sequence[str]
) -> dict[str, str]:
    """``output.shared``: per tool (and the dashboard) a folder that Flux applies already,
    below the Flux path that holds the most imported apps and has no kustomization.yaml of
    its own (Flux then builds every folder below it that has one). Empty when there is
    none: compile's own ks.yaml would then need a place in the user's Flux tree (BP408)."""
    paths = {
        posixpath.normpath(k.path.removeprefix("./"))
        for k in reach(inventory, entry).kustomizations
        if "${" not in k.path and k.path.strip("./")
    }
    kustomized = inventory.kustomizations
    open_paths = [p for p in sorted(paths) if p.startswith("kubernetes/") and p not in kustomized]
    if not open_paths:
        return {}
    held = max(open_paths, key=lambda p: sum(d.startswith(f"{p}/") for d in app_dirs))
    return {name: f"{held}/backup-policy/{name}" for name in sorted(names)}


def _reached(inventory: Inventory, entry: str, app_dirs: Sequence[str]) -> int:
    """How many of ``app_dirs`` the Flux Kustomizations reached from ``entry`` apply."""
    if not app_dirs:
        return 0
    applied = reach(inventory, entry)
    paths = [*applied.folders, *applied.files]
    return sum(any(p == d or p.startswith(f"{d}/") for p in paths) for d in app_dirs)
