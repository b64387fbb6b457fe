"""VolSync (restic mover): per PVC a ``ReplicationSource`` backing it up to its own restic
repository on an S3 target, and a ``ReplicationDestination`` that restores it.

The repository Secret (``RESTIC_REPOSITORY``, ``RESTIC_PASSWORD``, ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``) is the app's own and only referenced; the exact repository URL
of each PVC is written on its objects (annotation ``backup-policy.io/restic-repository``)
and documented in docs/volsync.md. Upstream facts: :mod:`.names`; staleness through
kube-state-metrics: :mod:`.state_metrics`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from compiler.analyse import Copy, DataItem, EffectiveService, Job, ScheduleBook, Scope
from compiler.core import cron
from compiler.core.retention import Kept
from compiler.model.restore import RestoreTest
from compiler.plan import (
    AlertRule,
    AppContribution,
    AppObject,
    PanelQuery,
    PlanContext,
    RunbookStep,
    SharedFolder,
)
from compiler.plan.drills import DrillContext, DrillPart
from compiler.policies import ServiceSource
from compiler.tools.base import ClassBlockTool
from compiler.tools.importing import ImportedPart
from compiler.tools.volsync import alerts as monitoring
from compiler.tools.volsync import drill, importer, rules, runbook, state_metrics
from compiler.tools.volsync.adopted import adopted
from compiler.tools.volsync.claims import (
    Claim,
    bootstrap,
    claims,
    existing,
    pvc_record,
    settings_of,
    snapshot_class,
    target_of,
)
from compiler.tools.volsync.drill import TEST_TYPE as DRILL_TEST_TYPE
from compiler.tools.volsync.identity import mover_identity
from compiler.tools.volsync.kinds import KINDS
from compiler.tools.volsync.names import (
    repository_url,
    secret_name,
    seed,
    volsync_cron,
)
from compiler.tools.volsync.objects import (
    ClaimPlan,
    bootstrap_patch,
    replication_destination,
    replication_source,
)
from compiler.tools.volsync.settings import (
    CLUSTER,
    METRICS_NAMESPACE,
    SERVICE,
    SETTINGS,
    VolSyncSettings,
)
from compiler.tree import Inventory


class VolSync(ClassBlockTool):
    name = "volsync"
    restore_test = DRILL_TEST_TYPE
    title = "VolSync"
    method = "volsync"
    settings = SETTINGS
    target_type = "s3"
    slots = (SETTINGS, CLUSTER, SERVICE, METRICS_NAMESPACE)
    rules = rules.RULES
    alert_kinds = KINDS

    def applies_by_default(self, source: ServiceSource) -> bool:
        return any(v.claim for v in source.policy.spec.volumes)  # nothing on a PVC to copy

    def jobs(self, scope: Scope) -> Iterator[Job]:
        for service in scope.services:
            settings = settings_of(service)
            if settings is None:
                continue
            origin = ("spec", "classes", service.classification, "volsync", "schedule")
            window = max(settings.window // 60, 1)
            target = f"s3:{settings.target}"  # heavy jobs of one store are spread
            for claim in claims(service):
                key = seed(service, claim.name)
                yield Job(key, target, "backup", settings.schedule, window, origin)

    def copies(
        self, scope: Scope, service: EffectiveService, item: DataItem, book: ScheduleBook
    ) -> Iterable[Copy]:
        settings = settings_of(service)
        if settings is None or item.claim is None:
            return ()
        expr = book.cron_for(seed(service, item.claim))
        gap, rules = cron.max_gap_seconds(expr), settings.retain.model_dump(exclude_none=True)
        kept = tuple(Kept(rule, amount, rule == "within") for rule, amount in rules.items())
        return (Copy("volsync", settings.target, True, gap, expr, retention=kept),)

    def plan_app(self, context: PlanContext, service: EffectiveService) -> AppContribution | None:
        settings = settings_of(service)
        cluster = context.analysis.policies.cluster.policy.spec
        target = target_of(cluster, settings) if settings is not None else None
        if settings is None or target is None or existing(service):
            return None  # with volsync.existing the tree's own objects back the PVCs up
        plans = [_claim_plan(context, service, settings, claim) for claim in claims(service)]
        objects = tuple(
            AppObject(
                f"volsync-{plan.claim.name}.yaml",
                (replication_source(plan), replication_destination(plan)),
            )
            for plan in plans
        )
        patches = tuple(bootstrap_patch(plan) for plan in plans) if bootstrap(service) else ()
        return AppContribution(self.title, objects, patches)

    def plan_shared(self, context: PlanContext) -> Iterator[SharedFolder]:
        users = sorted(
            {s.source.file for s in context.analysis.services if settings_of(s) is not None}
        )
        if users:
            yield state_metrics.shared_folder(context, (context.cluster_file, *users))

    def alerts(self, context: PlanContext, service: EffectiveService) -> Iterable[AlertRule]:
        return monitoring.alerts(context, service)

    def panels(self, context: PlanContext) -> Iterable[PanelQuery]:
        return monitoring.panels(context)

    def drill(
        self, context: DrillContext, test: RestoreTest, services: Sequence[EffectiveService]
    ) -> DrillPart | None:
        return drill.drill_part(context, test, services)

    def runbook(self, context: PlanContext, service: EffectiveService) -> Iterable[RunbookStep]:
        settings = settings_of(service)
        cluster = context.analysis.policies.cluster.policy.spec
        target = target_of(cluster, settings) if settings is not None else None
        if settings is None or target is None:
            return ()
        if existing(service):
            records = {
                c.name: pvc_record(context.inventory, service, c.name) for c in claims(service)
            }
            return runbook.adopted_steps(service, adopted(context.inventory, service), records)
        return runbook.steps(service, settings, target)

    def import_existing(self, inventory: Inventory) -> ImportedPart:
        return importer.import_existing(inventory)


def _claim_plan(
    context: PlanContext, service: EffectiveService, settings: VolSyncSettings, claim: Claim
) -> ClaimPlan:
    cluster = context.analysis.policies.cluster.policy.spec
    target = target_of(cluster, settings)
    assert target is not None  # plan_app plans only s3 targets
    expr = context.analysis.schedules.cron_for(seed(service, claim.name))
    return ClaimPlan(
        service,
        settings,
        claim,
        secret_name(settings, service, claim.name),
        repository_url(target, service.namespace, claim.name),
        volsync_cron(expr),
        snapshot_class(cluster, service),
        mover_identity(context.inventory, service),
        pvc_record(context.inventory, service, claim.name),
    )
