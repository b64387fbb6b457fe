"""Longhorn RecurringJobs: per class, snapshot, backup and maintenance jobs for a group of PVCs.

A PVC joins a group only with BOTH labels ``recurring-job.longhorn.io/source: enabled``
and ``recurring-job-group.longhorn.io/<group>: enabled``; without ``source`` Longhorn
silently ignores the group label. Snapshots stay on the volume (local copies); backups go
to the backup target (a separate target).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from compiler.analyse import Copy, DataItem, EffectiveService, Job, ScheduleBook, Scope, file_level
from compiler.core import cron
from compiler.model.restore import RestoreTest
from compiler.plan import (
    AlertRule,
    AppContribution,
    OutputFile,
    PanelQuery,
    PlanContext,
    PvcLabels,
    RunbookStep,
    SharedFolder,
)
from compiler.plan.drills import DrillContext, DrillPart
from compiler.plan.k8s import managed, metadata
from compiler.policies import ServiceSource
from compiler.tools.base import ClassBlockTool
from compiler.tools.importing import ImportedPart
from compiler.tools.longhorn import alerts as monitoring
from compiler.tools.longhorn import drill, importer, rules, tree_rules
from compiler.tools.longhorn.runbook import steps as restore_steps
from compiler.tools.longhorn.settings import NAMESPACE, SETTINGS, LonghornSettings
from compiler.tree import Inventory

FOLDER = "kubernetes/apps/storage/longhorn/recurring-jobs"
TASKS = ("snapshot", "backup", "filesystem-trim", "snapshot-cleanup")


def group(classification: str) -> str:
    return f"bp-{classification}"


def seed(classification: str, task: str) -> str:
    return f"longhorn/{classification}/{task}"


def _settings(service: EffectiveService) -> LonghornSettings | None:
    return SETTINGS.of(service.defaults) if "longhorn" in service.methods else None


def classes(services: Iterable[EffectiveService]) -> dict[str, LonghornSettings]:
    """Classes that have at least one Longhorn-protected service, with their settings."""
    found: dict[str, LonghornSettings] = {}
    for service in services:
        settings = _settings(service)
        if settings is not None:
            found[service.classification] = settings
    return dict(sorted(found.items()))


def _copying(settings: LonghornSettings) -> Iterator[tuple[str, int, str]]:
    """(task, retain, schedule) of the class's jobs that make copies."""
    for task, job in (("snapshot", settings.snapshot), ("backup", settings.backup)):
        if job is not None:
            yield task, job.retain, job.schedule


def _maintaining(settings: LonghornSettings) -> Iterator[tuple[str, int, str]]:
    """(task, retain, schedule) of the class's maintenance jobs.

    Longhorn does not use ``retain`` for these tasks (snapshot-cleanup selects no snapshot to
    delete, it only purges system and removed snapshots); 0 is what its UI writes.
    """
    chores = (
        ("filesystem-trim", settings.filesystem_trim),
        ("snapshot-cleanup", settings.snapshot_cleanup),
    )
    for task, chore in chores:
        if chore is not None:
            yield task, 0, chore.schedule


def _jobs(settings: LonghornSettings) -> Iterator[tuple[str, int, str]]:
    """(task, retain, schedule) of every job a class declares."""
    yield from _copying(settings)
    yield from _maintaining(settings)


class Longhorn(ClassBlockTool):
    name = "longhorn"
    title = "Longhorn"
    method = "longhorn"
    settings = SETTINGS
    target_type = "longhorn-backup-target"
    slots = (SETTINGS, NAMESPACE)
    rules = (*rules.RULES, *tree_rules.RULES)
    alert_kinds = monitoring.KINDS

    def applies_by_default(self, source: ServiceSource) -> bool:
        spec = source.policy.spec
        return spec.storage == "longhorn" and any(v.claim for v in spec.volumes)

    def jobs(self, scope: Scope) -> Iterator[Job]:
        for classification, settings in classes(scope.services).items():
            target = f"longhorn:{settings.target}"
            for task, _, expr in _copying(settings):
                if task == "snapshot":
                    yield Job(seed(classification, task), target, "light", expr)
                else:
                    origin = ("spec", "classes", classification, "longhorn", "backup", "schedule")
                    yield Job(seed(classification, task), target, "backup", expr, 1, origin)
            for task, _, expr in _maintaining(settings):
                yield Job(seed(classification, task), target, "maintenance", expr)

    def copies(
        self, scope: Scope, service: EffectiveService, item: DataItem, book: ScheduleBook
    ) -> Iterable[Copy]:
        settings = _settings(service)
        if settings is None or item.claim is None:
            return ()
        found = []
        for task, _, _ in _copying(settings):
            expr = book.cron_for(seed(service.classification, task))
            gap = cron.max_gap_seconds(expr)
            copy = Copy(f"longhorn-{task}", settings.target, task == "backup", gap, expr)
            found.append(file_level(copy, item))
        return found

    def plan_app(self, context: PlanContext, service: EffectiveService) -> AppContribution | None:
        if _settings(service) is None:
            return None
        labels = {
            "recurring-job.longhorn.io/source": "enabled",
            f"recurring-job-group.longhorn.io/{group(service.classification)}": "enabled",
        }
        requests = tuple(
            PvcLabels(volume.claim, ("spec", "volumes", index, "claim"), labels)
            for index, volume in enumerate(service.source.policy.spec.volumes)
            if volume.claim
        )
        return AppContribution(self.title, pvc_labels=requests)

    def plan_shared(self, context: PlanContext) -> Iterator[SharedFolder]:
        analysis = context.analysis
        namespace = NAMESPACE.of(analysis.policies.cluster.policy.spec.namespaces)
        files = []
        for classification, settings in classes(analysis.services).items():
            users = sorted(
                {
                    s.source.file
                    for s in analysis.services
                    if _settings(s) is not None and s.classification == classification
                }
            )
            for task, retain, _ in _jobs(settings):
                name = f"bp-{classification}-{task}"
                job = {
                    "apiVersion": "longhorn.io/v1beta2",
                    "kind": "RecurringJob",
                    "metadata": metadata(name, namespace, managed()),
                    "spec": {
                        "name": name,
                        "task": task,
                        "cron": analysis.schedules.cron_for(seed(classification, task)),
                        "retain": retain,
                        "concurrency": settings.concurrency,
                        "groups": [group(classification)],
                    },
                }
                path = f"{FOLDER}/{name}.yaml"
                files.append(OutputFile(path, (context.cluster_file, *users), (job,)))
        yield SharedFolder(FOLDER, tuple(files), operator="longhorn")

    def alerts(self, context: PlanContext, service: EffectiveService) -> Iterable[AlertRule]:
        return monitoring.alerts(context, service)

    def panels(self, context: PlanContext) -> Iterable[PanelQuery]:
        return monitoring.panels(context)

    def drill(
        self, context: DrillContext, test: RestoreTest, services: Sequence[EffectiveService]
    ) -> DrillPart | None:
        return drill.drill_part(context, test, services)

    def runbook(self, context: PlanContext, service: EffectiveService) -> Iterable[RunbookStep]:
        settings = _settings(service)
        if settings is None:
            return ()
        cluster = context.analysis.policies.cluster.policy.spec
        return restore_steps(service, settings.target, NAMESPACE.of(cluster.namespaces))

    def import_existing(self, inventory: Inventory) -> ImportedPart:
        return importer.import_existing(inventory)
