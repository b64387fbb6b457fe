"""The VolSync objects of one PVC, as data: its ReplicationSource (backups), its
ReplicationDestination (restores) and, with ``bootstrap``, the patch that makes a new PVC
start from the latest backup. Facts and their upstream sources: :mod:`.names`."""

from __future__ import annotations

from typing import Any

from msgspec import Struct

from compiler.analyse import EffectiveService
from compiler.core.data import mapping_at
from compiler.plan import SERVICE_LABEL, ComponentPatch, ObjectRef
from compiler.plan.k8s import managed, metadata
from compiler.tools.volsync.claims import Claim
from compiler.tools.volsync.names import (
    API_VERSION,
    GROUP,
    REPOSITORY_ANNOTATION,
    RESTORE_TRIGGER,
    destination_name,
    restic_duration,
    source_name,
)
from compiler.tools.volsync.settings import VolSyncSettings
from compiler.tree import Pvc

Doc = dict[str, Any]
# Flux applies an object carrying this label only when it does not exist yet
# (fluxcd/kustomize-controller@v1.9.4 internal/controller/kustomization_controller.go,
# IfNotPresentSelector; fluxcd/pkg ssa/manager_apply.go shouldSkipApply reads labels and
# annotations): a bound PVC's dataSourceRef is immutable, so updating it would fail the apply.
SSA_LABEL = "kustomize.toolkit.fluxcd.io/ssa"
SSA_IF_NOT_PRESENT = "IfNotPresent"


class ClaimPlan(Struct, frozen=True):
    """Everything the objects of one PVC are made of."""

    service: EffectiveService
    settings: VolSyncSettings
    claim: Claim
    secret: str
    repository: str
    schedule: str
    snapshot_class: str | None
    identity: dict[str, int]
    pvc: Pvc | None


def _meta(plan: ClaimPlan, name: str) -> Doc:
    service = plan.service
    meta = metadata(name, service.namespace, managed(**{SERVICE_LABEL: service.name}))
    return {**meta, "annotations": {REPOSITORY_ANNOTATION: plan.repository}}


def _retain(settings: VolSyncSettings) -> Doc:
    retain: Doc = settings.retain.model_dump(exclude_none=True)
    if "within" in retain:
        retain["within"] = restic_duration(retain["within"])
    return retain


def _common(plan: ClaimPlan) -> Doc:
    """Fields a source and a destination share: repository, cache and mover identity."""
    settings = plan.settings
    optional = {
        "cacheCapacity": settings.cache_capacity,
        "cacheStorageClassName": settings.cache_storage_class_name,
        "moverSecurityContext": dict(plan.identity) or None,
    }
    return {"repository": plan.secret, **{k: v for k, v in optional.items() if v is not None}}


def replication_source(plan: ClaimPlan) -> Doc:
    """Backups of one PVC on the class's schedule, pruned as the class says."""
    settings = plan.settings
    restic: Doc = {**_common(plan), "copyMethod": settings.copy_method}
    if settings.copy_method == "Snapshot" and plan.snapshot_class:
        restic["volumeSnapshotClassName"] = plan.snapshot_class
    restic["retain"] = _retain(settings)
    if settings.prune_interval_days is not None:
        restic["pruneIntervalDays"] = settings.prune_interval_days
    return {
        "apiVersion": API_VERSION,
        "kind": "ReplicationSource",
        "metadata": _meta(plan, source_name(plan.claim.name)),
        "spec": {
            "sourcePVC": plan.claim.name,
            "trigger": {"schedule": plan.schedule},
            "restic": dict(sorted(restic.items())),
        },
    }


def _volume(pvc: Pvc | None) -> Doc:
    """Size, access modes and class of the restored volume: the PVC's, as the tree writes it."""
    if pvc is None:
        return {}
    spec = mapping_at(pvc.manifest.body, "spec")
    size = mapping_at(spec, "resources", "requests").get("storage")
    modes = spec.get("accessModes")
    volume: Doc = {}
    if isinstance(size, str | int) and not isinstance(size, bool):
        volume["capacity"] = str(size)
    if isinstance(modes, list) and modes and all(isinstance(m, str) for m in modes):
        volume["accessModes"] = list(modes)
    if pvc.storage_class:
        volume["storageClassName"] = pvc.storage_class
    return volume


def replication_destination(plan: ClaimPlan) -> Doc:
    """A restore of the latest backup into a new volume and a VolumeSnapshot of it (the
    volume populator needs Snapshot), run once when the object is created."""
    restic: Doc = {**_common(plan), **_volume(plan.pvc), "copyMethod": "Snapshot"}
    if plan.snapshot_class:
        restic["volumeSnapshotClassName"] = plan.snapshot_class
    restic.update({"cleanupCachePVC": True, "cleanupTempPVC": True})
    return {
        "apiVersion": API_VERSION,
        "kind": "ReplicationDestination",
        "metadata": _meta(plan, destination_name(plan.claim.name)),
        "spec": {
            "trigger": {"manual": RESTORE_TRIGGER},
            "restic": dict(sorted(restic.items())),
        },
    }


def bootstrap_patch(plan: ClaimPlan) -> ComponentPatch:
    """The PVC, when Flux first creates it, is filled from the ReplicationDestination."""
    claim = plan.claim.name
    document = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": claim, "labels": {SSA_LABEL: SSA_IF_NOT_PRESENT}},
        "spec": {
            "dataSourceRef": {
                "apiGroup": GROUP,
                "kind": "ReplicationDestination",
                "name": destination_name(claim),
            }
        },
    }
    return ComponentPatch(
        f"patches/volsync-{claim}.yaml",
        ObjectRef("PersistentVolumeClaim", claim, version="v1"),
        (document,),
        plan.claim.origin,
        f"ReplicationSource {source_name(claim)!r} backs up nothing, and a new cluster "
        "would not create the PVC from its backup",
        (plan.service.source.file,),
    )
