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

With ``volsync.existing`` the drill restores from the tree's own ReplicationSource
(:mod:`.adopted`): its name, its repository Secret, and the size, class, access modes,
copyMethod and snapshot class it states; only what the tree leaves unknown (a variable with
no value) is read from the live PVC, and the checklist says so.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from compiler.tools.volsync.adopted import Adopted, adopted, tree_restore, unknown_text
from compiler.tools.volsync.claims import existing, settings_of, target_of
from compiler.tools.volsync.names import API_VERSION, secret_name, source_name
from compiler.tools.volsync.settings import VolSyncSettings

Doc = dict[str, Any]
TEST_TYPE = "volsync"
NOT_RESTORED = "Not restored (no VolSync copy of a PVC)"
KIND = "replicationdestination"


class Restore:
    """One PVC's restore: the live claim and source, the names in the test namespace, and
    what the restore copies from the source (``fields`` of the PVC and the destination's
    ``restic``; ``live``: the PVC's size and class read from the live PVC at run time)."""

    def __init__(
        self,
        context: DrillContext,
        service: EffectiveService,
        volume: Volume,
        settings: VolSyncSettings,
    ) -> None:
        assert volume.claim is not None
        self.service, self.volume, self.claim = service, volume, volume.claim
        self.namespace = service.namespace
        self.test_namespace = restore_namespace(service.namespace)
        self.source = source_name(self.claim)
        self.secret = secret_name(settings, service, self.claim)
        self.destination = dns_name("bp-drill", self.claim, context.stamp)
        self.trigger = f"drill-{context.stamp}"
        self.pod = dns_name("bp-drill-check", self.claim)
        self.stem = f"volsync/{self.namespace}-{self.claim}"
        self.restic: Doc = {"copyMethod": "Direct"} | _cache(settings)
        self.fields: Doc = {"accessModes": ["ReadWriteOnce"]}
        self.live: tuple[str, ...] = ("storageClassName", "storage")
        self.note = ""

    def adopt(self, found: Adopted) -> None:
        """Restore from the tree's own ReplicationSource, with what it states."""
        self.source, self.secret = found.source.name, found.secret
        self.restic, self.fields, self.live = tree_restore(found.restic)
        self.note = unknown_text(found)


def _cache(settings: VolSyncSettings) -> Doc:
    cache = {
        "cacheCapacity": settings.cache_capacity,
        "cacheStorageClassName": settings.cache_storage_class_name,
    }
    return {key: value for key, value in cache.items() if value is not None}


def _claim(context: DrillContext, test: RestoreTest, restore: Restore) -> Doc:
    spec: Doc = {"accessModes": restore.fields["accessModes"]}
    if "storageClassName" in restore.fields:
        spec["storageClassName"] = restore.fields["storageClassName"]
    spec["resources"] = {"requests": {"storage": restore.fields.get("storage", "1Gi")}}
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {
            "name": restore.claim,
            "namespace": restore.test_namespace,
            "labels": context.labels(test),
        },
        "spec": dict(sorted(spec.items())),
    }


def _destination(context: DrillContext, test: RestoreTest, restore: Restore) -> Doc:
    restic: Doc = {
        "repository": restore.secret,
        "destinationPVC": restore.claim,
        "cleanupCachePVC": True,
        **restore.restic,
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
    reads = {
        "storage": f"SIZE=$({live} pvc {restore.claim} "
        "-o jsonpath='{.spec.resources.requests.storage}')",
        "storageClassName": f"CLASS=$({live} pvc {restore.claim} "
        "-o jsonpath='{.spec.storageClassName}')",
    }
    said = {"storage": "size", "storageClassName": "class"}
    read = " and ".join(said[k] for k in ("storage", "storageClassName") if k in restore.live)
    note = f" ({restore.note}: the live PVC's are used)" if restore.note else ""
    return DrillStep(
        f"Check that ReplicationSource {restore.namespace}/{restore.source} has backed up "
        f"{restore.claim} (its last sync must not be empty); read "
        + (f"the PVC's {read} and " if read else "")
        + f"the mover's identity{note}",
        (
            f"LAST=$({live} replicationsource {restore.source} "
            "-o jsonpath='{.status.lastSyncTime}')",
            'test -n "$LAST" && echo "newest backup: $LAST"',
            *(reads[k] for k in ("storage", "storageClassName") if k in restore.live),
            f"MOVER=$({live} replicationsource {restore.source} -o json "
            "| jq -c '.spec.restic.moverSecurityContext')",
        ),
    )


def _claim_apply(context: DrillContext, restore: Restore) -> str:
    """The fresh PVC, with the size and class the tree does not state read from the live
    PVC."""
    path = f"{restore.stem}-1-pvc.yaml"
    spec: Doc = {}
    if "storageClassName" in restore.live:
        spec["storageClassName"] = "$CLASS"
    if "storage" in restore.live:
        spec["resources"] = {"requests": {"storage": "$SIZE"}}
    return patched_apply(context.path(path), {"spec": spec}) if spec else context.apply(path)


def mover_apply(path: str) -> str:
    """``kubectl apply`` of the destination with the source's mover identity (``$MOVER``, JSON
    or ``null``) merged in."""
    patch = '{\\"spec\\":{\\"restic\\":{\\"moverSecurityContext\\":$MOVER}}}'
    return f'kubectl patch --local -f {path} --type merge -p "{patch}" -o yaml | kubectl apply -f -'


def _steps(context: DrillContext, restore: Restore) -> list[DrillStep]:
    ns, name = restore.test_namespace, restore.destination
    status = f"kubectl -n {ns} get {KIND}/{name} -o jsonpath="
    run = DrillStep(
        f"Restore the newest backup into a fresh PVC {ns}/{restore.claim}: the "
        f"ReplicationDestination's lastManualSync must become {restore.trigger} and its mover "
        "result Successful",
        (
            _claim_apply(context, restore),
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


def _restores(
    context: DrillContext, services: Sequence[EffectiveService]
) -> tuple[list[Restore], list[DrillStep]]:
    """The restores, and why an adopted source's PVC is not restored."""
    found, skipped = [], []
    for service in services:
        settings = settings_of(service)
        if settings is None or target_of(context.cluster, settings) is None:
            continue  # BP300/BP301 report a target that is not s3
        tree = adopted(context.inventory, service) if existing(service) else {}
        seen: set[str] = set()
        for volume in service.source.policy.spec.volumes:
            if volume.claim and volume.claim not in seen:
                seen.add(volume.claim)
                restore = Restore(context, service, volume, settings)
                why = _adopt(restore, tree.get(volume.claim)) if existing(service) else ""
                if why:
                    skipped.append(DrillStep(f"{service.key}: PVC {volume.claim} {why}"))
                else:
                    found.append(restore)
    return found, skipped


def _adopt(restore: Restore, found: Adopted | None) -> str:
    """Restore from the tree's source; why not, when its repository is not known."""
    if found is None:
        return "not restored: no ReplicationSource of the app's build backs it up (BP383)"
    if not found.secret:
        return (
            f"not restored: ReplicationSource {found.source.name} names its repository Secret "
            f"{found.restic.unknown.get('repository', '')!r}, a variable with no value in "
            "the tree; give it a value in the Flux Kustomization's postBuild.substitute"
        )
    restore.adopt(found)
    return ""


def drill_part(
    context: DrillContext, test: RestoreTest, services: Sequence[EffectiveService]
) -> DrillPart | None:
    """The part of a ``volsync`` drill (None for any other test type)."""
    if test.type != TEST_TYPE:
        return None
    restores, skipped = _restores(context, services)
    files: list[DrillFile] = []
    steps: list[DrillStep] = []
    for restore in restores:
        files += _files(context, test, restore)
        steps += _steps(context, restore)
    steps += skipped
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
