"""Which PVCs of a service VolSync backs up, and what the tree says about each."""

from __future__ import annotations

from collections.abc import Iterator

from msgspec import Struct

from compiler.analyse import EffectiveService
from compiler.core.rule import PathKey
from compiler.model.cluster import ClusterSpec, S3Target
from compiler.tools.volsync.settings import CLUSTER, SERVICE, SETTINGS, VolSyncSettings
from compiler.tree import Inventory, Pvc
from compiler.tree.fluxcomponents import component_pvcs, resolved_pvc, variables_of
from compiler.tree.fluxreleases import app_flux


def settings_of(service: EffectiveService) -> VolSyncSettings | None:
    """The class's VolSync settings when the method applies to the service."""
    return SETTINGS.of(service.defaults) if "volsync" in service.methods else None


class Claim(Struct, frozen=True):
    """One PVC backed up by VolSync: its name and where the policy names it."""

    name: str
    origin: PathKey


def claims(service: EffectiveService) -> Iterator[Claim]:
    """Each PVC once (two pod volumes may mount one claim), where the policy first names it."""
    seen: set[str] = set()
    for index, volume in enumerate(service.source.policy.spec.volumes):
        if volume.claim and volume.claim not in seen:
            seen.add(volume.claim)
            yield Claim(volume.claim, ("spec", "volumes", index, "claim"))


def target_of(cluster: ClusterSpec, settings: VolSyncSettings) -> S3Target | None:
    """The class's target when it is an s3 target (BP300/BP301 report anything else)."""
    target = cluster.targets.get(settings.target)
    return target if isinstance(target, S3Target) else None


def snapshot_class(cluster: ClusterSpec, service: EffectiveService) -> str | None:
    """The VolumeSnapshotClass of the service's storage (None: the cluster's default)."""
    settings = CLUSTER.of(cluster)
    if settings is None:
        return None
    return settings.volume_snapshot_classes.get(service.source.policy.spec.storage)


def bootstrap(service: EffectiveService) -> bool:
    override = SERVICE.of(service.source.policy.spec)
    return override is not None and override.bootstrap


def existing(service: EffectiveService) -> bool:
    """Whether the tree's own ReplicationSources back up the service's PVCs."""
    override = SERVICE.of(service.source.policy.spec)
    return override is not None and override.existing


def pvc_record(inventory: Inventory, service: EffectiveService, claim: str) -> Pvc | None:
    """The hand-written PersistentVolumeClaim ``claim`` in the app's folder (written so, or
    ``${APP}-data`` and named so by the app's Flux Kustomization), else the one a Component
    of the app's Flux Kustomization adds, if any."""
    prefix, generated = f"{service.app_dir}/", f"{service.app_dir}/backup/"
    flux = app_flux(inventory, service.app_dir)
    variables = variables_of(inventory, flux) if flux is not None else {}
    for pvc in inventory.pvcs:
        path = pvc.manifest.file
        if not path.startswith(prefix) or path.startswith(generated):
            continue
        if pvc.manifest.name == claim:
            return pvc
        applied = resolved_pvc(pvc, variables) if "${" in pvc.manifest.name else None
        if applied is not None and applied.manifest.name == claim:
            return applied
    return next((pvc for pvc in flux_added(inventory, service) if pvc.manifest.name == claim), None)


def flux_added(inventory: Inventory, service: EffectiveService) -> tuple[Pvc, ...]:
    """The PVCs the app's Flux Kustomization adds with ``spec.components`` (substituted)."""
    found = inventory.app_kustomization(service.app_dir)
    return tuple(component_pvcs(inventory, found[0].folder)) if found is not None else ()
