"""K8up (restic): one ``Schedule`` per service backs up its labelled PVCs to an S3 target.

K8up backs up every PVC of a namespace unless told otherwise; the Schedule here selects the
service's PVCs by the ``backup-policy.io/service`` label the Component patches onto them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from compiler.analyse import Copy, DataItem, EffectiveService, Job, ScheduleBook, Scope, file_level
from compiler.core import cron
from compiler.model.cluster import S3Target
from compiler.model.restore import RestoreTest
from compiler.plan import (
    AlertRule,
    AppContribution,
    AppObject,
    PanelQuery,
    PlanContext,
    PvcLabels,
    RunbookStep,
)
from compiler.plan.drills import DrillContext, DrillPart
from compiler.policies import ServiceSource
from compiler.tools.base import ClassBlockTool
from compiler.tools.importing import ImportedPart
from compiler.tools.k8up import alerts as monitoring
from compiler.tools.k8up import drill, dump, importer, rules, tree_rules
from compiler.tools.k8up.runbook import steps as restore_steps
from compiler.tools.k8up.schedule import schedule, seed
from compiler.tools.k8up.settings import SERVICE, SETTINGS, K8upSettings
from compiler.tree import Inventory


def _settings(service: EffectiveService) -> K8upSettings | None:
    settings = SETTINGS.of(service.defaults)
    return settings if "k8up" in service.methods else None


class K8up(ClassBlockTool):
    name = "k8up"
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
        for service in scope.services:
            settings = _settings(service)
            if settings is None:
                continue
            window = max(settings.window // 60, 1)
            target = f"s3:{settings.target}"
            origin = ("spec", "classes", service.classification, "k8up")
            yield Job(
                seed(service, "backup"), target, "backup", settings.backup, window,
                (*origin, "backup"),
            )  # fmt: skip
            for job, expr in (("check", settings.check), ("prune", settings.prune)):
                yield Job(seed(service, job), target, "maintenance", expr, window, (*origin, job))

    def copies(
        self, scope: Scope, service: EffectiveService, item: DataItem, book: ScheduleBook
    ) -> Iterable[Copy]:
        settings = _settings(service)
        sqlite = dump.sqlite_dump(service)
        dumped = sqlite is not None and item.kind == "sqlite" and sqlite.database in item.names
        if settings is None or (item.claim is None and not dumped):
            return ()
        expr = book.cron_for(seed(service, "backup"))
        copy = Copy("k8up", settings.target, True, cron.max_gap_seconds(expr), expr)
        if dumped:
            assert sqlite is not None
            return (file_level(copy, item, quiesced=dump.quiesced(sqlite)),)
        remedy = dump.REMEDY if item.kind == "sqlite" else ""
        return (file_level(copy, item, remedy=remedy),)

    def plan_app(self, context: PlanContext, service: EffectiveService) -> AppContribution | None:
        settings = _settings(service)
        if settings is None:
            return None
        target = context.analysis.policies.cluster.policy.spec.targets[settings.target]
        assert isinstance(target, S3Target)  # BP300/BP301 refuse anything else
        document = schedule(service, settings, target, context.analysis.schedules)
        spec = service.source.policy.spec
        labels = tuple(
            PvcLabels(volume.claim, ("spec", "volumes", index, "claim"))
            for index, volume in enumerate(spec.volumes)
            if volume.claim
        )
        patch = dump.patch(service)
        return AppContribution(
            self.title,
            (AppObject("k8up-schedule.yaml", (document,)),),
            (patch,) if patch is not None else (),
            pvc_labels=labels,
        )

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
        target = context.analysis.policies.cluster.policy.spec.targets[settings.target]
        assert isinstance(target, S3Target)  # BP300/BP301 refuse anything else
        return restore_steps(service, target, settings.target)

    def import_existing(self, inventory: Inventory) -> ImportedPart:
        return importer.import_existing(inventory)
