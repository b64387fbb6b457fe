"""Velero's restore drill (test type ``velero-namespace``): the newest backup of each
namespace's Schedule restored into ``<namespace>-restore-test`` (``namespaceMapping``),
without what would write to the production targets from there (``NOT_RESTORED``).

A ``Restore`` with ``scheduleName`` takes the schedule's most recent successful backup (the
Restore CRD of v1.18.1: "the most recent successful backup created from this schedule").
Velero reports a restore's progress and problems only through its CLI, so the checklist
ends with ``velero restore describe --details`` and ``velero restore logs``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from compiler.analyse import EffectiveService
from compiler.model.restore import RestoreTest
from compiler.plan.drills import DrillContext, DrillFile, DrillPart, DrillStep, dns_name
from compiler.plan.drills import restore_namespace as mapped
from compiler.tools.velero.settings import NAMESPACE

Doc = dict[str, Any]
TEST_TYPE = "velero-namespace"
# What the drill does not bring back: objects that would write to the production targets
# from the scratch namespace. The backup machinery (K8up, VolSync, CloudNativePG: a
# restored Backup runs one, a restored Cluster archives its WAL), the HelmReleases (Flux
# would install the apps again, with the post-renderer that adds the Litestream sidecar),
# and every object backup-policy generated (a restored Litestream config would make the
# drill's copy of the app replicate into the production replica path).
NOT_RESTORED = (
    "backups.k8up.io",
    "schedules.k8up.io",
    "checks.k8up.io",
    "prunes.k8up.io",
    "archives.k8up.io",
    "replicationsources.volsync.backube",
    "backups.postgresql.cnpg.io",
    "scheduledbackups.postgresql.cnpg.io",
    "clusters.postgresql.cnpg.io",
    "helmreleases.helm.toolkit.fluxcd.io",
)
GENERATED = {
    "key": "app.kubernetes.io/managed-by",
    "operator": "NotIn",
    "values": ["backup-policy"],
}


def schedule_name(namespace: str) -> str:
    """The generated Schedule of a namespace (``plan_shared``)."""
    return f"bp-{namespace}"


def _restore(context: DrillContext, test: RestoreTest, namespace: str, name: str) -> Doc:
    return {
        "apiVersion": "velero.io/v1",
        "kind": "Restore",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE.of(context.cluster.namespaces),
            "labels": context.labels(test),
        },
        "spec": {
            "scheduleName": schedule_name(namespace),
            "includedNamespaces": [namespace],
            "namespaceMapping": {namespace: mapped(namespace)},
            "excludedResources": list(NOT_RESTORED),
            "labelSelector": {"matchExpressions": [GENERATED]},
        },
    }


def _steps(context: DrillContext, namespace: str, name: str, file: str) -> DrillStep:
    velero = NAMESPACE.of(context.cluster.namespaces)
    return DrillStep(
        f"Restore the newest backup of {schedule_name(namespace)} into {mapped(namespace)}: "
        "it must end Completed, without errors or warnings you cannot explain (the backup "
        "jobs, Postgres clusters, HelmReleases and generated objects stay out: from there "
        "they would write to the production targets)",
        (
            context.apply(file),
            f"kubectl -n {velero} wait restore.velero.io/{name} "
            "--for=jsonpath='{.status.phase}'=Completed --timeout=2h",
            f"velero -n {velero} restore describe {name} --details",
            f"velero -n {velero} restore logs {name}",
            f"kubectl -n {mapped(namespace)} get all,pvc,configmap,secret",
        ),
    )


def scope_namespaces(test: RestoreTest, services: Sequence[EffectiveService]) -> list[str]:
    """The namespaces a test names, and those of the services it covers."""
    return sorted({*test.scope.namespaces, *(s.namespace for s in services)})


def drill_part(
    context: DrillContext,
    test: RestoreTest,
    services: Sequence[EffectiveService],
    scheduled: Sequence[str],
) -> DrillPart | None:
    """The part of a ``velero-namespace`` drill over the namespaces with a Schedule
    (``scheduled``); None for any other test type."""
    if test.type != TEST_TYPE:
        return None
    velero = NAMESPACE.of(context.cluster.namespaces)
    files, steps, cleanup, targets = [], [], [], []
    for namespace in scope_namespaces(test, services):
        if namespace not in scheduled:
            steps.append(DrillStep(f"{namespace}: no Velero Schedule backs it up"))
            continue
        name = dns_name("bp-drill", namespace, context.stamp)
        file = f"velero/restore-{namespace}.yaml"
        sources = tuple(sorted({s.source.file for s in services if s.namespace == namespace}))
        files.append(DrillFile(file, (_restore(context, test, namespace, name),), sources))
        steps.append(_steps(context, namespace, name, file))
        cleanup.append(f"velero -n {velero} restore delete {name} --confirm")
        targets.append(mapped(namespace))
    return DrillPart(
        "Velero", tuple(steps), tuple(files), namespaces=tuple(targets), cleanup=tuple(cleanup)
    )
