"""K8up (restic): one ``Schedule`` per service backs up its labelled PVCs to an S3 target.

K8up backs up every PVC of a namespace unless told otherwise; the Schedule here selects the
service's PVCs by the ``backup-policy.io/service`` label the Component patches onto them.
With ``k8up.scope: namespace`` one Schedule per namespace and class (in a shared folder)
selects the PVCs of all those services by the same label.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from compiler.analyse import Copy, DataItem, EffectiveService, Job, ScheduleBook, Scope, file_level
from compiler.analyse.coverage import Routine
from compiler.core import cron
from compiler.core.retention import Kept
from compiler.model.cluster import S3Target
from compiler.model.restore import RestoreTest
from compiler.plan import (
    AlertRule,
    AppContribution,
    AppObject,
    OutputFile,
    PanelQuery,
    PlanContext,
    PvcLabels,
    RunbookStep,
    SharedFolder,
)
from compiler.plan.drills import DrillContext, DrillPart
from compiler.policies import ServiceSource
from compiler.tools.base import ClassBlockTool
from compiler.tools.importing import ImportedPart
from compiler.tools.k8up import alerts as monitoring
from compiler.tools.k8up import drill, dump, importer, rules, tree_rules
from compiler.tools.k8up.drill import TEST_TYPE as DRILL_TEST_TYPE
from compiler.tools.k8up.runbook import steps as restore_steps
from compiler.tools.k8up.schedule import FOLDER, Group, group_target, groups, schedule, seed
from compiler.tools.k8up.settings import SERVICE, SETTINGS, K8upSettings
from compiler.tree import Inventory


def _settings(service: EffectiveService) -> K8upSettings | None:
    settings = SETTINGS.of(service.defaults)
    return settings if "k8up" in service.methods else None


def _target(context: PlanContext, group: Group) -> S3Target:
    """The Schedule's target with the credentials Secret its services use (``spec.credentials``)."""
    return group_target(group, context.analysis.policies.cluster.policy.spec)


def _kept(settings: K8upSettings, backups: str) -> tuple[Kept, ...]:
    """The prune's retention (restic forget), rule by rule; ``keepLast`` counts the newest
    snapshots of the ``backups`` cron, so it has their spacing."""
    rules = settings.retention.model_dump(by_alias=True, exclude_none=True)
    spacing = (cron.min_gap_seconds(backups), cron.max_gap_seconds(backups))
    return tuple(
        Kept(rule, amount, spacing=spacing if rule == "keepLast" else (0, 0))
        for rule, amount in rules.items()
    )


class K8up(ClassBlockTool):
    name = "k8up"
    restore_test = DRILL_TEST_TYPE
    title = "K8up"
    method = "k8up"
    settings = SETTINGS
    target_type = "s3"
    slots = (SETTINGS, SERVICE)
    rules = (*rules.RULES, *dump.RULES, *tree_rules.RULES)
    alert_kinds = monitoring.KINDS

    def applies_by_default(self, source: ServiceSource) -> bool:
        return any(v.claim for v in source.policy.spec.volumes)  # nothing on a PVC to copy

    def jobs(self, scope: Scope) -> Iterator[Job]:
        for group in groups(scope.services):
            settings, first, origin = group.settings, group.first, group.origin
            window = max(settings.window // 60, 1)
            target = f"s3:{settings.target}"
            yield Job(
                seed(first, "backup"), target, "backup", settings.backup, window,
                (*origin, "backup"),
            )  # fmt: skip
            for job, expr in (("check", settings.check), ("prune", settings.prune)):
                yield Job(seed(first, job), target, "maintenance", expr, window, (*origin, job))

    def copies(
        self, scope: Scope, service: EffectiveService, item: DataItem, book: ScheduleBook
    ) -> Iterable[Copy]:
        settings = _settings(service)
        sqlite = dump.sqlite_dump(service)
        dumped = sqlite is not None and item.kind == "sqlite" and sqlite.database in item.names
        if settings is None or (item.claim is None and not dumped):
            return ()
        expr = book.cron_for(seed(service, "backup"))
        group = groups((service,))[0]
        note = f"namespace Schedule {group.subject}" if group.shared else ""
        gap = cron.max_gap_seconds(expr)
        kept = _kept(settings, expr)
        copy = Copy("k8up", settings.target, True, gap, expr, note=note, retention=kept)
        if dumped:
            assert sqlite is not None
            return (file_level(copy, item, quiesced=dump.quiesced(sqlite)),)
        remedy = dump.REMEDY if item.kind == "sqlite" else ""
        return (file_level(copy, item, remedy=remedy),)

    def routines(self, scope: Scope, book: ScheduleBook) -> Iterator[tuple[str, Routine]]:
        """restic check of the repository: a damaged pack goes unseen until it runs."""
        for service in scope.services:
            if _settings(service) is not None:
                gap = cron.max_gap_seconds(book.cron_for(seed(service, "check")))
                yield service.key, Routine("k8up check", gap, checks="k8up")

    def plan_app(self, context: PlanContext, service: EffectiveService) -> AppContribution | None:
        settings = _settings(service)
        if settings is None:
            return None
        objects: tuple[AppObject, ...] = ()
        if settings.scope == "service":
            group = groups((service,))[0]
            document = schedule(group, _target(context, group), context.analysis.schedules)
            objects = (AppObject("k8up-schedule.yaml", (document,)),)
        spec = service.source.policy.spec
        labels = tuple(
            PvcLabels(volume.claim, ("spec", "volumes", index, "claim"))
            for index, volume in enumerate(spec.volumes)
            if volume.claim
        )
        patch = dump.patch(service)
        return AppContribution(
            self.title,
            objects,
            (patch,) if patch is not None else (),
            pvc_labels=labels,
        )

    def plan_shared(self, context: PlanContext) -> Iterator[SharedFolder]:
        """The namespace Schedules (``scope: namespace``), one file per namespace and class."""
        files = []
        for group in groups(context.analysis.services):
            if not group.shared:
                continue
            document = schedule(group, _target(context, group), context.analysis.schedules)
            users = sorted({service.source.file for service in group.services})
            path = f"{FOLDER}/{group.first.namespace}-{group.name}.yaml"
            files.append(OutputFile(path, (context.cluster_file, *users), (document,)))
        if files:
            yield SharedFolder(FOLDER, tuple(files), operator="k8up")

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
        target = _target(context, groups((service,))[0])
        return restore_steps(service, target, settings.target)

    def import_existing(self, inventory: Inventory) -> ImportedPart:
        return importer.import_existing(inventory)
