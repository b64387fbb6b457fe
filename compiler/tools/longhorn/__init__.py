"""Longhorn RecurringJobs: per class, snapshot, backup and maintenance jobs for a group of PVCs.

A PVC joins a group only with BOTH labels ``recurring-job.longhorn.io/source: enabled``
and ``recurring-job-group.longhorn.io/<group>: enabled``; without ``source`` Longhorn
silently ignores the group label. Snapshots stay on the volume (local copies); backups go
to the backup target (a separate target).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from msgspec import Struct

from compiler.analyse import Copy, DataItem, EffectiveService, Job, ScheduleBook, Scope, file_level
from compiler.core import cron
from compiler.core.retention import Kept
from compiler.core.rule import PathKey
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
from compiler.tools.longhorn.drill import TEST_TYPE as DRILL_TEST_TYPE
from compiler.tools.longhorn.runbook import steps as restore_steps
from compiler.tools.longhorn.settings import NAMESPACE, SETTINGS, LonghornSettings, tiers
from compiler.tree import Inventory

FOLDER = "kubernetes/apps/storage/longhorn/recurring-jobs"
TASKS = ("snapshot", "backup", "filesystem-trim", "snapshot-cleanup")
COPYING = ("snapshot", "backup")


def group(classification: str) -> str:
    return f"bp-{classification}"


class ClassJob(Struct, frozen=True):
    """One RecurringJob a class declares: a tier of snapshot or backup, or a maintenance task.

    Longhorn does not use ``retain`` for maintenance tasks (snapshot-cleanup selects no
    snapshot to delete, it only purges system and removed snapshots); 0 is what its UI writes.
    """

    classification: str
    task: str
    schedule: str
    retain: int = 0
    tier: str | None = None
    origin: PathKey = ()

    @property
    def name(self) -> str:
        suffix = f"-{self.tier}" if self.tier else ""
        return f"bp-{self.classification}-{self.task}{suffix}"

    @property
    def seed(self) -> str:
        return seed(self.classification, self.task, self.tier)


def seed(classification: str, task: str, tier: str | None = None) -> str:
    return f"longhorn/{classification}/{task}" + (f"/{tier}" if tier else "")


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


def copying(classification: str, settings: LonghornSettings) -> Iterator[ClassJob]:
    """Every tier of the class's jobs that make copies."""
    for task in COPYING:
        written = getattr(settings, task)
        for index, job in enumerate(tiers(written)):
            where = ("spec", "classes", classification, "longhorn", task)
            origin = (*where, *((index,) if isinstance(written, list) else ()), "schedule")
            yield ClassJob(classification, task, job.schedule, job.retain, job.tier, origin)


def _maintaining(classification: str, settings: LonghornSettings) -> Iterator[ClassJob]:
    chores = (
        ("filesystem-trim", settings.filesystem_trim),
        ("snapshot-cleanup", settings.snapshot_cleanup),
    )
    for task, chore in chores:
        if chore is not None:
            yield ClassJob(classification, task, chore.schedule)


def _jobs(classification: str, settings: LonghornSettings) -> Iterator[ClassJob]:
    """Every job a class declares."""
    yield from copying(classification, settings)
    yield from _maintaining(classification, settings)


def _kept(job: ClassJob, expression: str) -> Kept:
    """A tier's ``retain``: the newest copies of its own (resolved) schedule."""
    rule = f"retain ({job.tier})" if job.tier else "retain"
    spacing = (cron.min_gap_seconds(expression), cron.max_gap_seconds(expression))
    return Kept(rule, job.retain, spacing=spacing)


class Longhorn(ClassBlockTool):
    name = "longhorn"
    restore_test = DRILL_TEST_TYPE
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
            for job in copying(classification, settings):
                if job.task == "snapshot":
                    yield Job(job.seed, target, "light", job.schedule)
                else:
                    yield Job(job.seed, target, "backup", job.schedule, 1, job.origin)
            for job in _maintaining(classification, settings):
                yield Job(job.seed, target, "maintenance", job.schedule)

    def copies(
        self, scope: Scope, service: EffectiveService, item: DataItem, book: ScheduleBook
    ) -> Iterable[Copy]:
        settings = _settings(service)
        if settings is None or item.claim is None:
            return ()
        found = []
        for task in COPYING:
            jobs = [j for j in copying(service.classification, settings) if j.task == task]
            crons = tuple(book.cron_for(job.seed) for job in jobs)
            if crons:
                gap = cron.max_gap_of_all(crons)
                kept = tuple(_kept(job, c) for job, c in zip(jobs, crons, strict=True))
                name, schedules = f"longhorn-{task}", " + ".join(crons)
                copy = Copy(name, settings.target, task == "backup", gap, schedules, retention=kept)
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
            for planned in _jobs(classification, settings):
                name = planned.name
                job = {
                    "apiVersion": "longhorn.io/v1beta2",
                    "kind": "RecurringJob",
                    "metadata": metadata(name, namespace, managed()),
                    "spec": {
                        "name": name,
                        "task": planned.task,
                        "cron": analysis.schedules.cron_for(planned.seed),
                        "retain": planned.retain,
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
