"""Litestream (SPEC §4): SQLite databases replicated continuously by a sidecar.

Version-aware configs (0.3 ``replicas:``, 0.5 ``replica:``), injection of the sidecar and the
restore init container into the app (a Deployment/StatefulSet patch or a HelmRelease
post-renderer), a PodMonitor, and the generation-aware cleanup of 0.3 replicas. Litestream
is not a ``methods:`` value: a service's ``sqlite:`` databases turn it on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from msgspec.structs import replace

from compiler.analyse import Copy, DataItem, EffectiveService, Job, ScheduleBook, Scope, TargetRef
from compiler.analyse.coverage import Routine
from compiler.core.retention import Kept
from compiler.model.cluster import ClusterSpec
from compiler.model.restore import RestoreTest
from compiler.plan import (
    AlertRule,
    AppContribution,
    PanelQuery,
    PlanContext,
    RunbookStep,
    SharedAlerts,
    SharedFolder,
)
from compiler.plan.drills import DrillContext, DrillPart
from compiler.tools.base import ToolBase
from compiler.tools.importing import ImportedPart
from compiler.tools.litestream import alerts as monitoring
from compiler.tools.litestream import (
    cleanup,
    drill,
    importer,
    inject,
    rules,
    rules_config,
    tree_migration,
    tree_pod,
    tree_rules,
    verify,
)
from compiler.tools.litestream.drill import TEST_TYPE as DRILL_TEST_TYPE
from compiler.tools.litestream.runbook import steps as restore_steps
from compiler.tools.litestream.settings import CLUSTER, SLOTS
from compiler.tree import Inventory


class Litestream(ToolBase):
    name = "litestream"
    restore_test = DRILL_TEST_TYPE
    title = "Litestream"
    slots = SLOTS
    rules = (
        *rules.RULES,
        *rules_config.RULES,
        *tree_rules.RULES,
        *tree_migration.RULES,
        *tree_pod.RULES,
    )
    alert_kinds = monitoring.KINDS

    def target_refs(self, cluster: ClusterSpec) -> Iterator[TargetRef]:
        settings = CLUSTER.of(cluster)
        for index, target in enumerate(settings.targets if settings is not None else ()):
            yield TargetRef(self.name, ("spec", "litestream", "targets", index), target, "s3")

    def jobs(self, scope: Scope) -> Iterator[Job]:
        yield from cleanup.jobs(scope)
        yield from verify.jobs(scope)

    def copies(
        self, scope: Scope, service: EffectiveService, item: DataItem, book: ScheduleBook
    ) -> Iterable[Copy]:
        settings = CLUSTER.of(scope.cluster)
        if item.kind != "sqlite" or settings is None:
            return ()
        index = item.path[-1]
        assert isinstance(index, int)
        db = service.source.policy.spec.sqlite[index]
        gap, kept = settings.sync_interval, (Kept("retention", settings.retention, True),)
        targets = db.targets or settings.targets
        return [Copy("litestream", t, True, gap, "continuous", retention=kept) for t in targets]

    def routines(self, scope: Scope, book: ScheduleBook) -> Iterable[tuple[str, Routine]]:
        return verify.routines(scope, book)

    def plan_app(self, context: PlanContext, service: EffectiveService) -> AppContribution | None:
        contribution = inject.contribution(context, service)
        checks = verify.objects(context, service)
        if contribution is None or not checks:
            return contribution
        return replace(contribution, objects=(*contribution.objects, *checks))

    def plan_shared(self, context: PlanContext) -> Iterator[SharedFolder]:
        return cleanup.shared_folder(context)

    def alerts(self, context: PlanContext, service: EffectiveService) -> Iterable[AlertRule]:
        yield from monitoring.alerts(context, service)
        yield from verify.alerts(context, service)

    def shared_alerts(self, context: PlanContext) -> Iterable[SharedAlerts]:
        return monitoring.shared_alerts(context)

    def panels(self, context: PlanContext) -> Iterable[PanelQuery]:
        return monitoring.panels(context)

    def runbook(self, context: PlanContext, service: EffectiveService) -> Iterable[RunbookStep]:
        return restore_steps(context.analysis.policies.cluster.policy.spec, service)

    def drill(
        self, context: DrillContext, test: RestoreTest, services: Sequence[EffectiveService]
    ) -> DrillPart | None:
        return drill.drill_part(context, test, services)

    def import_existing(self, inventory: Inventory) -> ImportedPart:
        return importer.import_existing(inventory)
