"""VolSync's restore drill (test type ``volsync``): each PVC in scope restored from its restic
repository into a fresh PVC of ``<namespace>-restore-test``, then smoke-tested.

A ``ReplicationDestination`` in the test namespace reads the repository the PVC's
``ReplicationSource`` writes (the same repository Secret, copied there) and restores its
newest snapshot once, on its manual trigger ``drill-<date>``, straight into a PVC the drill
creates (``destinationPVC``, ``copyMethod: Direct``: the volume itself is the copy, no
VolumeSnapshot is left behind). VolSync sets ``status.lastManualSync`` to the trigger when
the restore has succeeded (the CRD of v0.16.0; a failed mover is retried), and
``status.latestMoverStatus`` holds the mover's result and log. The live PVC's size and class
and the source's ``moverSecurityContext`` (the mover restores as the app runs) are read at
run time and merged into the files the checklist applies.
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
    SecretCopy,
    dns_name,
    not_restored,
    patched_apply,
    restore_namespace,
    secrets_in_order,
)
from compiler.plan.smoke import SMOKE_SCRIPT, await_pod, smoke_pod, volume_check
from compiler.tools.volsync.claims import settings_of, target_of
from compiler.tools.volsync.names import API_VERSION, secret_name, source_name
from compiler.tools.volsync.settings import VolSyncSettings

Doc = dict[str, Any]
TEST_TYPE = "volsync"
NOT_RESTORED = "Not restored (no VolSync copy of a PVC)"
KIND = "replicationdestination"


class Restore:
    """One PVC's restore: the live claim and source, the names in the test namespace."""

    def __init__(
        self,
        context: DrillContext,
        service: EffectiveService,
        volume: Volume,
        settings: VolSyncSettings,
    ) -> None:
        assert volume.claim is not None
        self.service, self.volume, self.claim = service, volume, volume.claim
        self.settings = settings
        self.namespace = service.namespace
        self.test_namespace = restore_namespace(service.namespace)
        self.source = source_name(self.claim)
        self.secret = secret_name(settings, service, self.claim)
        self.destination = dns_name("bp-drill", self.claim, context.stamp)
        self.trigger = f"drill-{context.stamp}"
        self.pod = dns_name("bp-drill-check", self.claim)
        self.stem = f"volsync/{self.namespace}-{self.claim}"


def _claim(context: DrillContext, test: RestoreTest, restore: Restore) -> Doc:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {
            "name": restore.claim,
            "namespace": restore.test_namespace,
            "labels": context.labels(test),
        },
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "1Gi"}},
        },
    }


def _destination(context: DrillContext, test: RestoreTest, restore: Restore) -> Doc:
    settings = restore.settings
    cache = {
        "cacheCapacity": settings.cache_capacity,
        "cacheStorageClassName": settings.cache_storage_class_name,
    }
    restic: Doc = {
        "repository": restore.secret,
        "destinationPVC": restore.claim,
        "copyMethod": "Direct",
        "cleanupCachePVC": True,
        **{key: value for key, value in cache.items() if value is not None},
    }
    return {
        "apiVersion": API_VERSION,
        "kind": "ReplicationDestination",
        "metadata": {
            "name": restore.destination,
            "namespace": restore.test_namespace,
            "labels": context.labels(test),
        },
        "spec": {"trigger": {"manual": restore.trigger}, "restic": dict(sorted(restic.items()))},
    }


def _files(context: DrillContext, test: RestoreTest, restore: Restore) -> list[DrillFile]:
    source = (restore.service.source.file,)
    check = volume_check(restore.service, restore.volume)
    image = context.images.restore_check.reference
    labels = context.labels(test)
    pod = smoke_pod(restore.pod, restore.test_namespace, labels, image, restore.claim, check)
    stem = restore.stem
    return [
        DrillFile(f"{stem}-1-pvc.yaml", (_claim(context, test, restore),), source),
        DrillFile(f"{stem}-2-restore.yaml", (_destination(context, test, restore),), source),
        DrillFile(f"{stem}-3-check.yaml", (pod,), source),
    ]


def _lookup(restore: Restore) -> DrillStep:
    live = f"kubectl -n {restore.namespace} get"
    return DrillStep(
        f"Check that ReplicationSource {restore.namespace}/{restore.source} has backed up "
        f"{restore.claim} (its last sync must not be empty); read the PVC's size and class and "
        "the mover's identity",
        (
            f"LAST=$({live} replicationsource {restore.source} "
            "-o jsonpath='{.status.lastSyncTime}')",
            'test -n "$LAST" && echo "newest backup: $LAST"',
            f"SIZE=$({live} pvc {restore.claim} "
            "-o jsonpath='{.spec.resources.requests.storage}')",
            f"CLASS=$({live} pvc {restore.claim} -o jsonpath='{{.spec.storageClassName}}')",
            f"MOVER=$({live} replicationsource {restore.source} -o json "
            "| jq -c '.spec.restic.moverSecurityContext')",
        ),
    )


def mover_apply(path: str) -> str:
    """``kubectl apply`` of the destination with the source's mover identity (``$MOVER``, JSON
    or ``null``) merged in."""
    patch = '{\\"spec\\":{\\"restic\\":{\\"moverSecurityContext\\":$MOVER}}}'
    return f'kubectl patch --local -f {path} --type merge -p "{patch}" -o yaml | kubectl apply -f -'


def _steps(context: DrillContext, restore: Restore) -> list[DrillStep]:
    ns, name = restore.test_namespace, restore.destination
    size = {"storageClassName": "$CLASS", "resources": {"requests": {"storage": "$SIZE"}}}
    status = f"kubectl -n {ns} get {KIND}/{name} -o jsonpath="
    run = DrillStep(
        f"Restore the newest backup into a fresh PVC {ns}/{restore.claim}: the "
        f"ReplicationDestination's lastManualSync must become {restore.trigger} and its mover "
        "result Successful",
        (
            patched_apply(context.path(f"{restore.stem}-1-pvc.yaml"), {"spec": size}),
            mover_apply(context.path(f"{restore.stem}-2-restore.yaml")),
            f"kubectl -n {ns} wait {KIND}/{name} "
            f"--for=jsonpath='{{.status.lastManualSync}}'={restore.trigger} --timeout=2h",
            f"{status}'{{.status.latestMoverStatus.logs}}'",
            f"test \"$({status}'{{.status.latestMoverStatus.result}}')\" = Successful",
        ),
    )
    check = DrillStep(
        "Run the smoke test over the restored PVC: it must end Succeeded",
        (context.apply(f"{restore.stem}-3-check.yaml"), *await_pod(ns, restore.pod)),
    )
    return [_lookup(restore), run, check]


def _restores(context: DrillContext, services: Sequence[EffectiveService]) -> Iterator[Restore]:
    for service in services:
        settings = settings_of(service)
        if settings is None or target_of(context.cluster, settings) is None:
            continue  # BP300/BP301 report a target that is not s3
        seen: set[str] = set()
        for volume in service.source.policy.spec.volumes:
            if volume.claim and volume.claim not in seen:
                seen.add(volume.claim)
                yield Restore(context, service, volume, settings)


def drill_part(
    context: DrillContext, test: RestoreTest, services: Sequence[EffectiveService]
) -> DrillPart | None:
    """The part of a ``volsync`` drill (None for any other test type)."""
    if test.type != TEST_TYPE:
        return None
    restores = list(_restores(context, services))
    files: list[DrillFile] = []
    steps: list[DrillStep] = []
    for restore in restores:
        files += _files(context, test, restore)
        steps += _steps(context, restore)
    steps += not_restored(services, (r.service for r in restores), NOT_RESTORED)
    secrets = (SecretCopy(r.secret, r.namespace, r.test_namespace) for r in restores)
    return DrillPart(
        "VolSync",
        tuple(steps),
        tuple(files),
        namespaces=tuple(sorted({r.test_namespace for r in restores})),
        secrets=secrets_in_order(secrets),
        scripts=(SMOKE_SCRIPT,) if restores else (),
    )
