"""K8up's restore drill (test type ``k8up-restic``): each PVC in scope restored from the
restic repository into a fresh PVC of ``<namespace>-restore-test``, then smoke-tested.

The ``Restore`` reads the repository of the service's ``Schedule`` (same backend, same
Secrets, copied into the test namespace) and restores one snapshot: K8up backs up each PVC
as its own snapshot (path ``/data/<claim>``, tagged ``<namespace>-<app>``), and a Restore
without ``snapshot`` takes the newest of the tag, whichever PVC it holds. The checklist
therefore looks the newest snapshot of the PVC up (the ``Snapshot`` objects K8up keeps in
the live namespace) and merges its ID, with the live PVC's size and storage class, into the
files it applies. K8up trims the snapshot path: the PVC's root is the copy's root.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from compiler.analyse import EffectiveService
from compiler.model.cluster import S3Target
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
from compiler.tools.k8up.schedule import backend, tag
from compiler.tools.k8up.settings import SETTINGS

Doc = dict[str, Any]
TEST_TYPE = "k8up-restic"
NOT_RESTORED = "Not restored (no K8up copy of a PVC)"
RUN_TIME = "set-at-run-time"


class Copy:
    """One PVC's restore: the live claim, the repository, the names in the test namespace."""

    def __init__(
        self, service: EffectiveService, volume: Volume, target: S3Target, stamp: str
    ) -> None:
        assert volume.claim is not None
        self.service, self.volume, self.claim, self.target = service, volume, volume.claim, target
        self.namespace = service.namespace
        self.test_namespace = restore_namespace(service.namespace)
        self.restore = dns_name("bp-drill", self.claim, stamp)
        self.pod = dns_name("bp-drill-check", self.claim)
        self.stem = f"k8up/{self.namespace}-{self.claim}"


def _claim(context: DrillContext, test: RestoreTest, copy: Copy) -> Doc:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {
            "name": copy.claim,
            "namespace": copy.test_namespace,
            "labels": context.labels(test),
            "annotations": {"k8up.io/backup": "false"},
        },
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "1Gi"}},
        },
    }


def _restore(context: DrillContext, test: RestoreTest, copy: Copy) -> Doc:
    return {
        "apiVersion": "k8up.io/v1",
        "kind": "Restore",
        "metadata": {
            "name": copy.restore,
            "namespace": copy.test_namespace,
            "labels": context.labels(test),
        },
        "spec": {
            "snapshot": RUN_TIME,
            "tags": [tag(copy.service)],
            "backend": backend(copy.target),
            "restoreMethod": {"folder": {"claimName": copy.claim}},
            "successfulJobsHistoryLimit": 1,
            "failedJobsHistoryLimit": 1,
        },
    }


def _files(context: DrillContext, test: RestoreTest, copy: Copy) -> list[DrillFile]:
    source = (copy.service.source.file,)
    check = volume_check(copy.service, copy.volume)
    image = context.images.restore_check.reference
    pod = smoke_pod(copy.pod, copy.test_namespace, context.labels(test), image, copy.claim, check)
    return [
        DrillFile(f"{copy.stem}-1-pvc.yaml", (_claim(context, test, copy),), source),
        DrillFile(f"{copy.stem}-2-restore.yaml", (_restore(context, test, copy),), source),
        DrillFile(f"{copy.stem}-3-check.yaml", (pod,), source),
    ]


def _lookup(copy: Copy) -> DrillStep:
    newest = (
        f'select(.spec.paths | index("/data/{copy.claim}"))] | sort_by(.spec.date) | last '
        "| .spec.id // empty"
    )
    return DrillStep(
        f"Find the newest restic snapshot of {copy.namespace}/{copy.claim} (it must not be empty)",
        (
            f"SNAPSHOT=$(kubectl -n {copy.namespace} get snapshots.k8up.io -o json "
            f"| jq -r '[.items[] | {newest}')",
            'test -n "$SNAPSHOT" && echo "restoring snapshot $SNAPSHOT"',
            f"SIZE=$(kubectl -n {copy.namespace} get pvc {copy.claim} "
            "-o jsonpath='{.spec.resources.requests.storage}')",
            f"CLASS=$(kubectl -n {copy.namespace} get pvc {copy.claim} "
            "-o jsonpath='{.spec.storageClassName}')",
        ),
    )


def _steps(context: DrillContext, copy: Copy) -> list[DrillStep]:
    ns = copy.test_namespace
    size = {"storageClassName": "$CLASS", "resources": {"requests": {"storage": "$SIZE"}}}
    completed = "'{.status.conditions[?(@.type==\"Completed\")].reason}'"
    restore = DrillStep(
        f"Restore it into a fresh PVC {ns}/{copy.claim}: the Restore must end Succeeded",
        (
            patched_apply(context.path(f"{copy.stem}-1-pvc.yaml"), {"spec": size}),
            patched_apply(
                context.path(f"{copy.stem}-2-restore.yaml"), {"spec": {"snapshot": "$SNAPSHOT"}}
            ),
            f"kubectl -n {ns} wait restore.k8up.io/{copy.restore} "
            "--for=condition=Completed --timeout=2h",
            f"kubectl -n {ns} get restore.k8up.io/{copy.restore} -o jsonpath={completed}",
        ),
    )
    check = DrillStep(
        "Run the smoke test over the restored PVC: it must end Succeeded",
        (context.apply(f"{copy.stem}-3-check.yaml"), *await_pod(ns, copy.pod)),
    )
    return [_lookup(copy), restore, check]


def _copies(context: DrillContext, services: Sequence[EffectiveService]) -> Iterator[Copy]:
    for service in services:
        settings = SETTINGS.of(service.defaults)
        if "k8up" not in service.methods or settings is None:
            continue
        target = service.s3_target(context.cluster, settings.target)
        if not isinstance(target, S3Target) or target.repo_password_secret is None:
            continue  # BP300/BP330 report it
        for volume in service.source.policy.spec.volumes:
            if volume.claim:
                yield Copy(service, volume, target, context.stamp)


def _secrets(copies: Sequence[Copy]) -> tuple[SecretCopy, ...]:
    found = set()
    for copy in copies:
        password = copy.target.repo_password_secret
        assert password is not None
        for name in (copy.target.credentials_secret.name, password.name):
            found.add(SecretCopy(name, copy.namespace, copy.test_namespace))
    return secrets_in_order(found)


def drill_part(
    context: DrillContext, test: RestoreTest, services: Sequence[EffectiveService]
) -> DrillPart | None:
    """The part of a ``k8up-restic`` drill (None for any other test type)."""
    if test.type != TEST_TYPE:
        return None
    copies = list(_copies(context, services))
    files: list[DrillFile] = []
    steps: list[DrillStep] = []
    for copy in copies:
        files += _files(context, test, copy)
        steps += _steps(context, copy)
    steps += not_restored(services, (c.service for c in copies), NOT_RESTORED)
    return DrillPart(
        "K8up",
        tuple(steps),
        tuple(files),
        namespaces=tuple(sorted({copy.test_namespace for copy in copies})),
        secrets=_secrets(copies),
        scripts=(SMOKE_SCRIPT,) if copies else (),
    )
