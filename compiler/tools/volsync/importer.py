"""Import of existing VolSync ``ReplicationSource`` objects (restic mover).

A ReplicationSource written in an app's folder is one copy of its ``sourcePVC``. One in a
shared Kustomize Component (``components/volsync``) is a copy per Flux Kustomization that
adds the Component, its ``${VAR}`` filled from the Kustomization's ``postBuild.substitute``
and the ConfigMaps of ``substituteFrom`` found in the tree (``${VAR:=default}`` forms too).
A hand-written one (not the compiler's own earlier output) sets the service's
``volsync.existing``: the compiler then writes no ReplicationSource of its own for the PVC
(``existing.py``). The restic repository URL lives in a Secret, never in the
tree: the target is written with a placeholder endpoint, and that is reported.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from typing import Any

from compiler.core.cron import normalise
from compiler.core.data import mapping_at
from compiler.tools.importing import (
    ImportedApp,
    ImportedCopy,
    ImportedPart,
    Note,
    dns_label,
    gap_of,
    merged,
    note,
    of_kind,
    place_of,
)
from compiler.tools.volsync.existing import read_source, sub
from compiler.tree import Inventory, Manifest
from compiler.tree.fluxapps import FluxIndex, flux_index, target_namespace
from compiler.tree.fluxcomponents import variables_of

TARGET = "volsync-repository"
PLACEHOLDER = "https://volsync-repository.invalid"
RETAIN = ("hourly", "daily", "weekly", "monthly", "yearly", "within")
MOVER = (("runAsUser", "runAsUser"), ("runAsGroup", "runAsGroup"), ("fsGroup", "fsGroup"))
Instance = tuple[Mapping[str, str], tuple[str, str], str]


def _app_dir(path: str) -> str:
    """The app folder of a Flux Kustomization's path (``.../<app>/app`` -> ``.../<app>``)."""
    folder = posixpath.normpath(path.removeprefix("./")) if path else ""
    return posixpath.dirname(folder) if posixpath.basename(folder) == "app" else folder


def _instances(inventory: Inventory, index: FluxIndex, manifest: Manifest) -> Iterator[Instance]:
    """Each Kustomization's variables and the (namespace, app) it places the object in."""
    users = index.components.get(manifest.file)
    if not users:
        flux = index.applying(manifest.file)
        variables = variables_of(inventory, flux) if flux is not None else {}
        yield variables, place_of(index, manifest.file, manifest.namespace), ""
        return
    for flux in users:
        namespace = target_namespace(flux) or manifest.namespace or flux.manifest.namespace
        yield variables_of(inventory, flux), (namespace, flux.manifest.name), _app_dir(flux.path)


def _int(value: Any, variables: Mapping[str, str]) -> int | None:
    text = sub(value, variables)
    return int(text) if text.isdigit() else None


def _block(
    restic: Mapping[str, Any], schedule: str, variables: Mapping[str, str], claim: str, app: str
) -> dict[str, Any]:
    block: dict[str, Any] = {"target": TARGET, "schedule": normalise(schedule)}
    retain = mapping_at(restic, "retain")
    kept = {
        k: _int(v, variables) if k != "within" else sub(v, variables)
        for k, v in retain.items()
        if k in RETAIN
    }
    if kept:
        block["retain"] = {k: v for k, v in kept.items() if v}
    for key in ("copyMethod", "cacheCapacity", "cacheStorageClassName"):
        if restic.get(key):
            block[key] = sub(restic[key], variables)
    if _int(restic.get("pruneIntervalDays"), variables):
        block["pruneIntervalDays"] = _int(restic.get("pruneIntervalDays"), variables)
    repository = sub(restic.get("repository"), variables)
    if repository:
        pattern = (
            repository.replace(claim, "{claim}")
            if claim in repository
            else repository.replace(app, "{app}")
        )
        block["repositorySecret"] = pattern
    return block


def _mover(restic: Mapping[str, Any], variables: Mapping[str, str]) -> dict[str, int]:
    context = mapping_at(restic, "moverSecurityContext")
    found = {key: _int(context.get(raw), variables) for raw, key in MOVER}
    return (
        {k: v for k, v in found.items() if v is not None}
        if found.get("runAsUser") is not None
        else {}
    )


def _bootstraps(inventory: Inventory, manifest: Manifest) -> bool:
    """Whether a PVC beside the ReplicationSource (its Component) restores from VolSync."""
    folder = manifest.file.rsplit("/", 2)[0]
    return any(
        mapping_at(pvc.manifest.body, "spec", "dataSourceRef").get("kind")
        == "ReplicationDestination"
        for pvc in inventory.pvcs
        if pvc.manifest.file.startswith(f"{folder}/")
    )


def _source(inventory: Inventory, index: FluxIndex, manifest: Manifest) -> ImportedPart:
    spec = mapping_at(manifest.body, "spec")
    restic = mapping_at(spec, "restic")
    if not restic:
        return ImportedPart(unmapped=(note(manifest, "only the restic mover is imported"),))
    copies, apps, unmapped = [], [], []
    own = manifest.file not in inventory.generated_paths  # the tree's: the compiler adds none
    for variables, key, app_dir in _instances(inventory, index, manifest):
        found = read_source(manifest, variables)
        gap = gap_of(found.schedule) if found is not None else None
        if found is None or gap is None:
            unmapped.append(
                note(manifest, f"for {key[0]}/{key[1]}: no readable sourcePVC or trigger.schedule")
            )
            continue
        claim, schedule = found.claim, found.schedule
        block = _block(restic, schedule, variables, claim, key[1])
        copies.append(
            ImportedCopy(
                "volsync",
                "volsync",
                key,
                f"pvc/{claim}",
                gap,
                True,
                block,
                manifest.file,
                manifest.at,
            )
        )
        service: dict[str, Any] = {"existing": True} if own else {}
        if not own and _bootstraps(inventory, manifest):
            service["bootstrap"] = True
        mover = _mover(restic, variables)
        if mover:
            service["moverSecurityContext"] = mover
        apps.append(ImportedApp(key, app_dir, blocks={"volsync": service} if service else {}))
    return ImportedPart(tuple(copies), tuple(apps), unmapped=tuple(unmapped))


def _snapshot_classes(inventory: Inventory) -> tuple[dict[str, Any], list[Note]]:
    """The CSI VolumeSnapshotClasses of the tree, per storage kind (by their driver)."""
    classes: dict[str, str] = {}
    notes = []
    for manifest in of_kind(inventory, "snapshot.storage.k8s.io", "VolumeSnapshotClass"):
        driver = str(manifest.body.get("driver") or "")
        kind = (
            "longhorn"
            if "longhorn" in driver
            else "synology-csi"
            if "synology" in driver
            else "external"
        )
        if kind in classes:
            notes.append(
                note(manifest, f"a second class for {kind} storage; {classes[kind]} is kept")
            )
            continue
        classes[kind] = manifest.name
        notes.append(
            note(manifest, f"kept as volsync.volumeSnapshotClasses.{kind} (driver {driver})")
        )
    return ({"volsync": {"volumeSnapshotClasses": classes}} if classes else {}), notes


def import_existing(inventory: Inventory) -> ImportedPart:
    """Every ReplicationSource of the tree, once per app that applies it, and the CSI
    VolumeSnapshotClasses."""
    cluster, classes = _snapshot_classes(inventory)
    index = flux_index(inventory)
    sources = list(of_kind(inventory, "volsync.backube", "ReplicationSource"))
    parts = [_source(inventory, index, m) for m in sources]
    part = merged(parts)
    if not part.copies:
        return ImportedPart(unmapped=part.unmapped, cluster=cluster, reported=tuple(classes))
    target = {
        "type": "s3",
        "endpoint": PLACEHOLDER,
        "bucket": "volsync",
        "credentialsSecret": {"name": "volsync-repository"},
    }
    reported = Note(
        sources[0].file,
        sources[0].at,
        f"ReplicationSource {sources[0].name}: the restic repository URL is in each app's "
        f"repository Secret, not in the tree: target {dns_label(TARGET)} is written with the "
        f"endpoint {PLACEHOLDER}; set its endpoint and bucket (docs/volsync.md)",
    )
    unmapped = (*part.unmapped, reported)
    return ImportedPart(part.copies, part.apps, {TARGET: target}, cluster, unmapped, tuple(classes))
