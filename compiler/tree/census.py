"""Every PVC and replicated SQLite database of the tree, with the app it belongs to.

Where an item belongs, without the policies: the Flux Kustomization that applies its file
(its name, and its ``targetNamespace``), else its folder (``.../<namespace>/<app>/`` with an
optional ``app/`` below). A Component that Flux Kustomizations add with
``spec.components`` gives one item per Kustomization, its ``${VAR}`` names substituted.
A HelmRelease of app-template whose render is unknown, and whose values ask for a PVC, is an
item of its own (kind ``release``): it may create PVCs nobody can name.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import Literal

from msgspec import Struct

from compiler.tree import chartnames
from compiler.tree.claims import Claim, chart_claims, file_claims
from compiler.tree.fluxapps import (
    FluxIndex,
    as_applied,
    flux_index,
    substitute,
    target_namespace,
)
from compiler.tree.fluxreleases import renders_of
from compiler.tree.inventory import Inventory
from compiler.tree.records import FluxKustomization, HelmRelease
from compiler.tree.replicated import replicated_databases

ItemKind = Literal["pvc", "sqlite", "postgres", "release"]


class TreeItem(Struct, frozen=True):
    """A PVC (by name), a database (by path) or an unknowable release, and where it is."""

    kind: ItemKind
    name: str
    namespace: str
    app: str
    storage_class: str = ""
    file: str = ""
    at: tuple[int, int] = (1, 1)
    source: str = ""


_INNER_FOLDERS = ("patches", "backup", "app")


def folder_place(file: str) -> tuple[str, str]:
    """(namespace, app) of a file by its folder, where no Flux Kustomization says: below an
    ``apps`` folder the two folders after it (``apps/<namespace>/<app>/...``, whatever
    subfolders the app has), else ``.../<namespace>/<app>/`` without the app's ``app/`` or
    its generated ``backup/`` Component (``backup/patches/``)."""
    parts = posixpath.dirname(file).split("/")
    if "apps" in parts and len(parts) - parts.index("apps") > 2:
        at = parts.index("apps")
        return parts[at + 1], parts[at + 2]
    folder = posixpath.dirname(file)
    for inner in _INNER_FOLDERS:
        if posixpath.basename(folder) == inner:
            folder = posixpath.dirname(folder)
    return posixpath.basename(posixpath.dirname(folder)), posixpath.basename(folder) or "."


def placed(flux: FluxKustomization | None, file: str, namespace: str) -> tuple[str, str]:
    """(namespace, app) of an object written in ``file``."""
    if flux is None:
        parent, app = folder_place(file)
        return namespace or parent, app
    return target_namespace(flux) or namespace or flux.manifest.namespace, flux.manifest.name


def _may_claim(release: HelmRelease) -> bool:
    """An app-template release (or one whose chart is not in the tree) asking for a PVC."""
    if release.chart.chart not in ("app-template", ""):
        return False
    if release.values is None:
        return release.chart.chart == "app-template"
    items = chartnames.enabled(release.values.get("persistence"))
    return any(chartnames.is_chart_pvc(item) for item in items.values())


def _claim_items(claim: Claim, index: FluxIndex) -> Iterator[TreeItem]:
    owner = claim.owner
    for flux, name in as_applied(index, owner.file, claim.name):
        variables = flux.substitute if flux is not None else {}
        storage = substitute(claim.storage_class, variables) or claim.storage_class
        where = placed(flux, owner.file, owner.namespace)
        yield TreeItem("pvc", name, *where, storage, owner.file, owner.at, claim.described)


def _release_items(
    inventory: Inventory, index: FluxIndex, path: str, release: HelmRelease
) -> Iterator[TreeItem]:
    """The PVCs a release whose render is not known by itself creates: a release shared by
    apps (a Component many add, each naming it ``${APP}``) once per app, as its
    Kustomization names it; else, when it may create some, an item of its own."""
    for flux, (applied, render) in renders_of(inventory, release.manifest):
        where = placed(flux or index.applying(path), path, release.manifest.namespace)
        if render is None:
            if _may_claim(applied):
                what = f"HelmRelease {release.manifest.name}"
                yield TreeItem("release", what, *where, "", path, release.manifest.at, "")
            continue
        for claim in chart_claims(release.manifest, render):
            storage, at = claim.storage_class, release.manifest.at
            yield TreeItem("pvc", claim.name, *where, storage, path, at, claim.described)


def tree_items(inventory: Inventory) -> Iterator[TreeItem]:
    """Every PVC, unknowable release and replicated database of the tree, in file order."""
    index = flux_index(inventory)
    for path in sorted({m.file for m in inventory.manifests}):
        found = file_claims(inventory, path)
        for claim in found.claims:
            yield from _claim_items(claim, index)
        for release in found.unknown:
            yield from _release_items(inventory, index, path, release)
    for db in replicated_databases(inventory):
        where = placed(index.applying(db.file), db.file, "")
        yield TreeItem("sqlite", db.path, *where, "", db.file, db.at)
