"""CloudNativePG: Postgres clusters backed up by barman-cloud to an S3 target.

A service's ``postgres:`` entries name the CNPG ``Cluster`` objects of its app; each is a
data item of its own kind. With the method cnpg its WAL is archived continuously through the
barman-cloud plugin (an ``ObjectStore`` and the Cluster's ``spec.plugins``, patched in by the
Component; the deprecated in-tree ``barmanObjectStore`` on request) and a ``ScheduledBackup``
takes base backups. An entry's ``objectStore`` adopts an ObjectStore the app's tree already
has: none is generated and the plugin archives to that one (rules BP395-BP398).

One copy per cluster, on the target: continuous, at most ``archiveTimeout`` behind while
archiving works (the effective RPO; ``archive_timeout`` is patched into the Cluster so both
agree). The base-backup schedule's largest gap is in its note: it bounds the restore time,
since a restore replays the WAL archived since the base backup it starts from; the alerts
judge base backups against it.

A file-level copy of a cluster's volumes (restic, VolSync, a Longhorn snapshot) is not a
consistent copy of the database: when a policy lists such a PVC, the Postgres item names it
as its claim, so those tools' copies show up there marked as not counting (rule BP393 says
why).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from compiler.analyse import Copy, DataItem, EffectiveService, Job, ScheduleBook, Scope
from compiler.core import cron
from compiler.core.durations import humanize
from compiler.core.retention import Kept
from compiler.model.restore import RestoreTest
from compiler.plan import (
    AlertRule,
    AppContribution,
    AppObject,
    ComponentPatch,
    ObjectRef,
    PanelQuery,
    PlanContext,
    RunbookStep,
)
from compiler.plan.drills import DrillContext, DrillPart
from compiler.policies import ServiceSource
from compiler.tools.base import ClassBlockTool
from compiler.tools.cnpg import alerts as monitoring
from compiler.tools.cnpg import drill, importer, rules, runbook, store_rules, tree_rules
from compiler.tools.cnpg.cron6 import to_robfig
from compiler.tools.cnpg.drill import TEST_TYPE as DRILL_TEST_TYPE
from compiler.tools.cnpg.names import (
    CNPG_GROUP,
    METHOD,
    item_key,
    object_file,
    patch_file,
    seed,
)
from compiler.tools.cnpg.objects import object_store, pod_monitor, scheduled_backup
from compiler.tools.cnpg.patch import cluster_patch
from compiler.tools.cnpg.resolve import (
    Postgres,
    all_clusters,
    cluster_manifest,
    clusters_of,
    instance_claim,
)
from compiler.tools.cnpg.settings import CLASS, POSTGRES, SLOTS, recovery_window
from compiler.tools.importing import ImportedPart
from compiler.tree import Inventory
from compiler.tree.census import TreeItem

SKIPPED = "the Cluster archives no WAL and its ScheduledBackup fails: no copy is made"


def _copy(pg: Postgres, expr: str) -> Copy:
    """The barman-cloud archive: continuous WAL over scheduled base backups."""
    timeout, gap = pg.settings.archive_timeout, cron.max_gap_seconds(expr)
    note = (
        f"WAL archived at least every {humanize(timeout)} (archive_timeout) over base backups "
        f"at {expr!r}, at most {humanize(gap)} apart: a restore replays up to {humanize(gap)} "
        "of WAL, which bounds the restore time (RTO)"
    )
    kept = (Kept("recovery window", recovery_window(pg.settings.retention), True),)
    return Copy(METHOD, pg.settings.target, True, timeout, "continuous", note=note, retention=kept)


def _planned(context: PlanContext, pg: Postgres) -> tuple[AppObject, ComponentPatch]:
    """The cluster's objects, and the patch of the user's Cluster (read from the tree: its
    own plugins and metrics TLS decide the patch's form and the PodMonitor's endpoint)."""
    manifest = cluster_manifest(context.inventory, pg.service.app_dir, pg.cluster)
    body = manifest.body if manifest is not None else {}
    expr = context.analysis.schedules.cron_for(seed(pg.service.key, pg.cluster))
    documents = [scheduled_backup(pg, to_robfig(expr)), pod_monitor(pg, body)]
    if pg.settings.method == "plugin" and not pg.adopted:
        documents.insert(0, object_store(pg))
    target = ObjectRef("Cluster", pg.cluster, CNPG_GROUP, "v1")
    patch = ComponentPatch(
        patch_file(pg.cluster), target, (cluster_patch(pg, body),), (*pg.path, "cluster"), SKIPPED
    )
    return AppObject(object_file(pg.cluster), tuple(documents)), patch


class Cnpg(ClassBlockTool):
    name = METHOD
    restore_test = DRILL_TEST_TYPE
    title = "CloudNativePG"
    method = METHOD
    settings = CLASS
    target_type = "s3"
    slots = SLOTS
    rules = (*rules.RULES, *tree_rules.RULES, *store_rules.RULES)
    alert_kinds = monitoring.KINDS

    def applies_by_default(self, source: ServiceSource) -> bool:
        return bool(POSTGRES.of(source.policy.spec))  # nothing to copy without a cluster

    def jobs(self, scope: Scope) -> Iterator[Job]:
        for pg in all_clusters(scope):
            origin = ("spec", "classes", pg.service.classification, "cnpg", "schedule")
            target = f"s3:{pg.settings.target}"
            yield Job(
                seed(pg.service.key, pg.cluster), target, "backup", pg.settings.schedule, 1, origin
            )

    def items(self, service: EffectiveService) -> Iterator[DataItem]:
        spec = service.source.policy.spec
        claims = [volume.claim for volume in spec.volumes if volume.claim]
        for index, entry in enumerate(POSTGRES.of(spec)):
            pattern = instance_claim(entry.cluster)
            claim = next((c for c in claims if pattern.match(c)), None)
            names = (entry.cluster, *((claim,) if claim else ()))
            yield DataItem(
                "postgres", item_key(entry.cluster), ("spec", "postgres", index), claim, names
            )

    def copies(
        self, scope: Scope, service: EffectiveService, item: DataItem, book: ScheduleBook
    ) -> Iterable[Copy]:
        if item.kind != "postgres":
            return ()
        for pg in clusters_of(service, scope.cluster):
            if pg.path == item.path:
                return (_copy(pg, book.cron_for(seed(service.key, pg.cluster))),)
        return ()

    def plan_app(self, context: PlanContext, service: EffectiveService) -> AppContribution | None:
        cluster = context.analysis.policies.cluster.policy.spec
        found = [_planned(context, pg) for pg in clusters_of(service, cluster)]
        if not found:
            return None
        objects, patches = zip(*found, strict=True)
        return AppContribution(self.title, objects, patches)

    def alerts(self, context: PlanContext, service: EffectiveService) -> Iterable[AlertRule]:
        return monitoring.alerts(context, service)

    def panels(self, context: PlanContext) -> Iterable[PanelQuery]:
        return monitoring.panels(context)

    def drill(
        self, context: DrillContext, test: RestoreTest, services: Sequence[EffectiveService]
    ) -> DrillPart | None:
        return drill.drill_part(context, test, services)

    def runbook(self, context: PlanContext, service: EffectiveService) -> Iterable[RunbookStep]:
        return runbook.steps(context.analysis.policies.cluster.policy.spec, service)

    def import_existing(self, inventory: Inventory) -> ImportedPart:
        return importer.import_existing(inventory)

    def census_items(self, inventory: Inventory) -> Iterable[TreeItem]:
        return importer.census_items(inventory)
