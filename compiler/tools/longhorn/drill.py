"""Longhorn's restore drill (test type ``longhorn-snapshot``): a CSI ``VolumeSnapshot`` of each
PVC in scope, cloned into ``<namespace>-restore-test`` and smoke-tested there.

The snapshot class follows the storage the service declares: ``longhorn`` volumes get
``driver.longhorn.io`` with ``type: bak`` (the snapshot is a Longhorn backup on the backup
target, so the clone restores from there: the drill proves the off-cluster copy), and
``synology-csi`` volumes ``csi.san.synology.com``; ``external`` volumes have no CSI driver and
are listed as not drilled.

A PVC clones only a VolumeSnapshot of its own namespace (cross-namespace data sources are an
alpha feature gate), so the live snapshot's handle is handed over: a pre-provisioned
``VolumeSnapshotContent`` (``deletionPolicy: Retain``: the live snapshot owns the data) bound
to a ``VolumeSnapshot`` in the test namespace. The handle, the snapshot's ``restoreSize`` and
the live PVC's storage class are known only at run time: the checklist reads them and merges
them into the files it applies (``kubectl patch --local``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from compiler.analyse import EffectiveService
from compiler.model.items import Volume
from compiler.model.restore import RestoreTest
from compiler.plan.drills import (
    DrillContext,
    DrillFile,
    DrillPart,
    DrillStep,
    dns_name,
    patched_apply,
    restore_namespace,
)
from compiler.plan.smoke import SMOKE_SCRIPT, await_pod, smoke_pod, volume_check

Doc = dict[str, Any]
TEST_TYPE = "longhorn-snapshot"
SNAPSHOTS = "snapshot.storage.k8s.io"
CLASSES_FILE = "longhorn/volumesnapshotclasses.yaml"
DRIVERS: dict[str, tuple[str, dict[str, str]]] = {
    "longhorn": ("driver.longhorn.io", {"type": "bak"}),
    "synology-csi": ("csi.san.synology.com", {}),
}
RUN_TIME = "set-at-run-time"
KINDS = {
    "longhorn": "a Longhorn backup on the backup target",
    "synology-csi": "a snapshot on the Synology NAS",
}


def class_name(storage: str) -> str:
    return f"bp-drill-{storage}"


def _snapshot_class(context: DrillContext, test: RestoreTest, storage: str) -> Doc:
    driver, parameters = DRIVERS[storage]
    document: Doc = {
        "apiVersion": f"{SNAPSHOTS}/v1",
        "kind": "VolumeSnapshotClass",
        "metadata": {"name": class_name(storage), "labels": context.labels(test)},
        "driver": driver,
        "deletionPolicy": "Delete",
    }
    if parameters:
        document["parameters"] = parameters
    return document


class Clone:
    """The names of one claim's drill: live snapshot, handed-over content, clone, check."""

    def __init__(self, context: DrillContext, service: EffectiveService, volume: Volume) -> None:
        assert volume.claim is not None
        self.service, self.volume, self.claim = service, volume, volume.claim
        self.namespace = service.namespace
        self.target = restore_namespace(service.namespace)
        self.storage = service.source.policy.spec.storage
        self.snapshot = dns_name("bp-drill", self.claim, context.stamp)
        self.content = dns_name("bp-drill", self.target, self.claim, context.stamp, limit=253)
        self.pod = dns_name("bp-drill-check", self.claim)
        self.stem = f"longhorn/{self.namespace}-{self.claim}"


def _snapshot(context: DrillContext, test: RestoreTest, clone: Clone) -> Doc:
    return {
        "apiVersion": f"{SNAPSHOTS}/v1",
        "kind": "VolumeSnapshot",
        "metadata": {
            "name": clone.snapshot,
            "namespace": clone.namespace,
            "labels": context.labels(test),
        },
        "spec": {
            "volumeSnapshotClassName": class_name(clone.storage),
            "source": {"persistentVolumeClaimName": clone.claim},
        },
    }


def _content(context: DrillContext, test: RestoreTest, clone: Clone) -> Doc:
    return {
        "apiVersion": f"{SNAPSHOTS}/v1",
        "kind": "VolumeSnapshotContent",
        "metadata": {"name": clone.content, "labels": context.labels(test)},
        "spec": {
            "deletionPolicy": "Retain",
            "driver": DRIVERS[clone.storage][0],
            "source": {"snapshotHandle": RUN_TIME},
            "volumeSnapshotClassName": class_name(clone.storage),
            "volumeSnapshotRef": {"name": clone.snapshot, "namespace": clone.target},
        },
    }


def _handed_over(context: DrillContext, test: RestoreTest, clone: Clone) -> Doc:
    return {
        "apiVersion": f"{SNAPSHOTS}/v1",
        "kind": "VolumeSnapshot",
        "metadata": {
            "name": clone.snapshot,
            "namespace": clone.target,
            "labels": context.labels(test),
        },
        "spec": {
            "volumeSnapshotClassName": class_name(clone.storage),
            "source": {"volumeSnapshotContentName": clone.content},
        },
    }


def _claim(context: DrillContext, test: RestoreTest, clone: Clone) -> Doc:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {
            "name": clone.claim,
            "namespace": clone.target,
            "labels": context.labels(test),
        },
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "dataSource": {"apiGroup": SNAPSHOTS, "kind": "VolumeSnapshot", "name": clone.snapshot},
            "resources": {"requests": {"storage": "1Gi"}},
        },
    }


def _files(context: DrillContext, test: RestoreTest, clone: Clone) -> list[DrillFile]:
    source = (clone.service.source.file,)
    check = volume_check(clone.service, clone.volume)
    image = context.images.restore_check.reference
    pod = smoke_pod(clone.pod, clone.target, context.labels(test), image, clone.claim, check)
    return [
        DrillFile(f"{clone.stem}-1-snapshot.yaml", (_snapshot(context, test, clone),), source),
        DrillFile(f"{clone.stem}-2-content.yaml", (_content(context, test, clone),), source),
        DrillFile(f"{clone.stem}-3-snapshot.yaml", (_handed_over(context, test, clone),), source),
        DrillFile(f"{clone.stem}-4-pvc.yaml", (_claim(context, test, clone),), source),
        DrillFile(f"{clone.stem}-5-check.yaml", (pod,), source),
    ]


def _ready(namespace: str, snapshot: str) -> str:
    return (
        f"kubectl -n {namespace} wait volumesnapshot/{snapshot} "
        "--for=jsonpath='{.status.readyToUse}'=true --timeout=30m"
    )


def _take(context: DrillContext, clone: Clone) -> DrillStep:
    ns, live = clone.namespace, clone.snapshot
    get = f"kubectl -n {ns} get volumesnapshot {live} -o jsonpath="
    return DrillStep(
        f"Snapshot {ns}/{clone.claim} through CSI ({KINDS[clone.storage]}) and read its "
        "handle and size",
        (
            context.apply(f"{clone.stem}-1-snapshot.yaml"),
            _ready(ns, live),
            f"CONTENT=$({get}'{{.status.boundVolumeSnapshotContentName}}')",
            'HANDLE=$(kubectl get volumesnapshotcontent "$CONTENT" '
            "-o jsonpath='{.status.snapshotHandle}')",
            f"SIZE=$({get}'{{.status.restoreSize}}')",
            f"CLASS=$(kubectl -n {ns} get pvc {clone.claim} "
            "-o jsonpath='{.spec.storageClassName}')",
        ),
    )


def _hand_over(context: DrillContext, clone: Clone) -> DrillStep:
    stem = clone.stem
    size = {"storageClassName": "$CLASS", "resources": {"requests": {"storage": "$SIZE"}}}
    handle = {"spec": {"source": {"snapshotHandle": "$HANDLE"}}}
    return DrillStep(
        f"Clone it into {clone.target} and run the smoke test: it must end Succeeded",
        (
            patched_apply(context.path(f"{stem}-2-content.yaml"), handle),
            context.apply(f"{stem}-3-snapshot.yaml"),
            _ready(clone.target, clone.snapshot),
            patched_apply(context.path(f"{stem}-4-pvc.yaml"), {"spec": size}),
            context.apply(f"{stem}-5-check.yaml"),
            *await_pod(clone.target, clone.pod),
        ),
    )


def _clones(context: DrillContext, services: Sequence[EffectiveService]) -> Iterator[Clone]:
    for service in services:
        if service.source.policy.spec.storage not in DRIVERS:
            continue
        for volume in service.source.policy.spec.volumes:
            if volume.claim:
                yield Clone(context, service, volume)


def _not_drilled(services: Sequence[EffectiveService]) -> list[DrillStep]:
    return [
        DrillStep(f"{s.key}: storage {s.source.policy.spec.storage} has no CSI snapshot driver")
        for s in services
        if s.source.policy.spec.storage not in DRIVERS
        and any(v.claim for v in s.source.policy.spec.volumes)
    ]


def _cleanup(context: DrillContext, clones: Sequence[Clone]) -> tuple[str, ...]:
    """The live snapshots (and the drill's Longhorn backups with them) and the handed-over
    contents, which the test namespace's deletion keeps (Retain)."""
    return tuple(
        f"kubectl delete -f {context.path(name)} --ignore-not-found"
        for clone in clones
        for name in (f"{clone.stem}-1-snapshot.yaml", f"{clone.stem}-2-content.yaml")
    )


def drill_part(
    context: DrillContext, test: RestoreTest, services: Sequence[EffectiveService]
) -> DrillPart | None:
    """The part of a ``longhorn-snapshot`` drill (None for any other test type)."""
    if test.type != TEST_TYPE:
        return None
    clones = list(_clones(context, services))
    storages = sorted({clone.storage for clone in clones})
    classes = tuple(_snapshot_class(context, test, storage) for storage in storages)
    files = [DrillFile(CLASSES_FILE, classes)] if classes else []
    steps = [DrillStep("Create the snapshot classes", (context.apply(CLASSES_FILE),))]
    for clone in clones:
        files += _files(context, test, clone)
        steps += [_take(context, clone), _hand_over(context, clone)]
    return DrillPart(
        "Longhorn",
        (*(steps if clones else []), *_not_drilled(services)),
        tuple(files),
        namespaces=tuple(sorted({clone.target for clone in clones})),
        scripts=(SMOKE_SCRIPT,) if clones else (),
        cleanup=_cleanup(context, clones),
    )
