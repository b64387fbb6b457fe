"""Velero: one ``Schedule`` per namespace backs up the namespace's resources.

The schedule of a namespace is the strictest (smallest RPO, then highest class) of its
Velero-protected services'; ``ttl`` sits on the Schedule's template, where Velero reads it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from compiler.analyse import EffectiveService, Job, Scope
from compiler.core import cron
from compiler.core.durations import format_duration
from compiler.model.cluster import VeleroTarget
from compiler.model.restore import RestoreTest
from compiler.plan import (
    OutputFile,
    PanelQuery,
    PlanContext,
    RunbookStep,
    SharedAlerts,
    SharedFolder,
)
from compiler.plan.drills import DrillContext, DrillPart
from compiler.plan.k8s import managed, metadata
from compiler.tools.base import ClassBlockTool
from compiler.tools.importing import ImportedPart
from compiler.tools.velero import alerts as monitoring
from compiler.tools.velero import drill, importer
from compiler.tools.velero.runbook import steps as restore_steps
from compiler.tools.velero.settings import NAMESPACE, SETTINGS, VeleroSettings
from compiler.tree import Inventory

FOLDER = "kubernetes/apps/storage/velero/schedules"
_PRECEDENCE = {"critical": 0, "important": 1, "best-effort": 2}


def seed(namespace: str) -> str:
    return f"velero/{namespace}"


def _rank(service: EffectiveService) -> tuple[int, int, str]:
    return service.rpo, _PRECEDENCE[service.classification], service.key


def namespaces(services: Iterable[EffectiveService]) -> dict[str, EffectiveService]:
    """Per namespace, the Velero-protected service whose class is strictest."""
    chosen: dict[str, EffectiveService] = {}
    for service in services:
        if "velero" not in service.methods or SETTINGS.of(service.defaults) is None:
            continue
        current = chosen.get(service.namespace)
        if current is None or _rank(service) < _rank(current):
            chosen[service.namespace] = service
    return dict(sorted(chosen.items()))


def _files_by_namespace(
    services: Iterable[EffectiveService], method: str = ""
) -> dict[str, set[str]]:
    """Each namespace's policy files (only of the services with ``method``, when given):
    one pass over the services, not one per namespace."""
    found: dict[str, set[str]] = {}
    for service in services:
        if not method or method in service.methods:
            found.setdefault(service.namespace, set()).add(service.source.file)
    return found


def _schedule(
    context: PlanContext, namespace: str, settings: VeleroSettings, location: str
) -> dict[str, object]:
    cluster = context.analysis.policies.cluster.policy.spec
    return {
        "apiVersion": "velero.io/v1",
        "kind": "Schedule",
        "metadata": metadata(f"bp-{namespace}", NAMESPACE.of(cluster.namespaces), managed()),
        "spec": {
            "schedule": context.analysis.schedules.cron_for(seed(namespace)),
            "useOwnerReferencesInBackup": False,
            "skipImmediately": settings.skip_immediately,
            "template": {
                "includedNamespaces": [namespace],
                "storageLocation": location,
                "ttl": format_duration(settings.ttl),
                "snapshotVolumes": settings.snapshot_volumes,
            },
        },
    }


class Velero(ClassBlockTool):
    name = "velero"
    title = "Velero"
    method = "velero"
    settings = SETTINGS
    target_type = "velero-storage-location"
    slots = (SETTINGS, NAMESPACE)
    alert_kinds = monitoring.KINDS

    def jobs(self, scope: Scope) -> Iterator[Job]:
        for namespace, service in namespaces(scope.services).items():
            settings = SETTINGS.of(service.defaults)
            assert settings is not None  # namespaces() only returns configured ones
            origin = ("spec", "classes", service.classification, "velero", "schedule")
            target = f"velero:{settings.target}"
            yield Job(seed(namespace), target, "backup", settings.schedule, 1, origin)

    def plan_shared(self, context: PlanContext) -> Iterator[SharedFolder]:
        analysis = context.analysis
        targets = analysis.policies.cluster.policy.spec.targets
        files = []
        users_by_namespace = _files_by_namespace(analysis.services, "velero")
        for namespace, representative in namespaces(analysis.services).items():
            settings = SETTINGS.of(representative.defaults)
            assert settings is not None
            target = targets[settings.target]
            location = target.name if isinstance(target, VeleroTarget) else "default"
            users = sorted(users_by_namespace.get(namespace, ()))
            document = _schedule(context, namespace, settings, location)
            path = f"{FOLDER}/bp-{namespace}.yaml"
            files.append(OutputFile(path, (context.cluster_file, *users), (document,)))
        yield SharedFolder(FOLDER, tuple(files), operator="velero")

    def _scheduled(self, context: PlanContext) -> list[monitoring.Scheduled]:
        """The generated Schedules as the alerts see them (name, gap, class, location)."""
        analysis = context.analysis
        targets = analysis.policies.cluster.policy.spec.targets
        found = []
        users_by_namespace = _files_by_namespace(analysis.services)
        for namespace, representative in namespaces(analysis.services).items():
            settings = SETTINGS.of(representative.defaults)
            assert settings is not None
            target = targets[settings.target]
            location = target.name if isinstance(target, VeleroTarget) else "default"
            expr = analysis.schedules.cron_for(seed(namespace))
            users = sorted(users_by_namespace.get(namespace, ()))
            found.append(
                monitoring.Scheduled(
                    namespace,
                    f"bp-{namespace}",
                    cron.max_gap_seconds(expr),
                    representative.classification,
                    location,
                    tuple(users),
                )
            )
        return found

    def shared_alerts(self, context: PlanContext) -> Iterable[SharedAlerts]:
        scheduled = self._scheduled(context)
        if not scheduled:
            return ()
        namespace = NAMESPACE.of(context.analysis.policies.cluster.policy.spec.namespaces)
        return monitoring.shared_alerts(scheduled, FOLDER, namespace, context.cluster_file)

    def panels(self, context: PlanContext) -> Iterable[PanelQuery]:
        return monitoring.panels(self._scheduled(context))

    def drill(
        self, context: DrillContext, test: RestoreTest, services: Sequence[EffectiveService]
    ) -> DrillPart | None:
        scheduled = list(namespaces(context.analysis.services))
        return drill.drill_part(context, test, services, scheduled)

    def runbook(self, context: PlanContext, service: EffectiveService) -> Iterable[RunbookStep]:
        if "velero" not in service.methods or SETTINGS.of(service.defaults) is None:
            return ()  # the namespace's Schedule exists exactly then (namespaces())
        cluster = context.analysis.policies.cluster.policy.spec
        velero = NAMESPACE.of(cluster.namespaces)
        return restore_steps(service, f"bp-{service.namespace}", velero)

    def import_existing(self, inventory: Inventory) -> ImportedPart:
        return importer.import_existing(inventory)
