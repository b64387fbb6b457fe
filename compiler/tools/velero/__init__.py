"""Velero: one ``Schedule`` per namespace backs up the namespace's resources.

The schedule of a namespace is the strictest (smallest RPO, then highest class) of its
Velero-protected services'; ``ttl`` sits on the Schedule's template, where Velero reads it.
A class's ``tiers`` add Schedules ``bp-<namespace>-<tier>`` beside it, each with its own
schedule and ttl (a weekly backup kept for months), spread and alerted on like the main one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from compiler.analyse import EffectiveService, Job, Routine, ScheduleBook, Scope
from compiler.core import cron
from compiler.core.durations import format_duration
from compiler.core.retention import Kept
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
from compiler.tools.velero import drill, importer, rules
from compiler.tools.velero.drill import TEST_TYPE as DRILL_TEST_TYPE
from compiler.tools.velero.runbook import steps as restore_steps
from compiler.tools.velero.schedules import NamespaceSchedule, namespaces, schedules
from compiler.tools.velero.settings import NAMESPACE, SETTINGS, VeleroSettings
from compiler.tree import Inventory

FOLDER = "kubernetes/apps/storage/velero/schedules"


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
    context: PlanContext, planned: NamespaceSchedule, settings: VeleroSettings, location: str
) -> dict[str, object]:
    cluster = context.analysis.policies.cluster.policy.spec
    return {
        "apiVersion": "velero.io/v1",
        "kind": "Schedule",
        "metadata": metadata(planned.name, NAMESPACE.of(cluster.namespaces), managed()),
        "spec": {
            "schedule": context.analysis.schedules.cron_for(planned.seed),
            "useOwnerReferencesInBackup": False,
            "skipImmediately": settings.skip_immediately,
            "template": {
                "includedNamespaces": [planned.namespace],
                "storageLocation": location,
                "ttl": format_duration(planned.ttl),
                "snapshotVolumes": settings.snapshot_volumes,
            },
        },
    }


class Velero(ClassBlockTool):
    name = "velero"
    restore_test = DRILL_TEST_TYPE
    title = "Velero"
    method = "velero"
    settings = SETTINGS
    target_type = "velero-storage-location"
    slots = (SETTINGS, NAMESPACE)
    rules = rules.RULES
    alert_kinds = monitoring.KINDS

    def jobs(self, scope: Scope) -> Iterator[Job]:
        for namespace, service in namespaces(scope.services).items():
            settings = SETTINGS.of(service.defaults)
            assert settings is not None  # namespaces() only returns configured ones
            target = f"velero:{settings.target}"
            for planned in schedules(namespace, service):
                yield Job(planned.seed, target, "backup", planned.schedule, 1, planned.origin)

    def routines(self, scope: Scope, book: ScheduleBook) -> Iterator[tuple[str, Routine]]:
        """The Schedules of each service's namespace (its objects: a restore starts there)."""
        found: dict[str, list[Routine]] = {}
        for namespace, representative in namespaces(scope.services).items():
            settings = SETTINGS.of(representative.defaults)
            assert settings is not None  # namespaces() only returns configured ones
            target = scope.cluster.targets.get(settings.target)
            offsite = target is not None and target.offsite
            for planned in schedules(namespace, representative):
                gap = cron.max_gap_seconds(book.cron_for(planned.seed))
                name = "velero backup" + (f" ({planned.tier})" if planned.tier else "")
                kept = (Kept("ttl", planned.ttl, seconds=True),)
                routine = Routine(name, gap, kept, offsite, volumes=settings.snapshot_volumes)
                found.setdefault(namespace, []).append(routine)
        for service in scope.services:  # a Schedule backs up every object of its namespace
            yield from ((service.key, r) for r in found.get(service.namespace, ()))

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
            for planned in schedules(namespace, representative):
                document = _schedule(context, planned, settings, location)
                path = f"{FOLDER}/{planned.name}.yaml"
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
            users = tuple(sorted(users_by_namespace.get(namespace, ())))
            for planned in schedules(namespace, representative):
                gap = cron.max_gap_seconds(analysis.schedules.cron_for(planned.seed))
                found.append(
                    monitoring.Scheduled(
                        namespace, planned.name, gap, representative.classification, location, users
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
