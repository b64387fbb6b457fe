"""VolSync alerts: per backed-up PVC, staleness against its effective RPO, failures, and
VolSync's own view of its ReplicationSource.

backube/volsync@v0.16.0 ``internal/controller/metrics.go`` registers three metrics, each with
the labels ``obj_name``, ``obj_namespace``, ``role`` (``source``/``destination``) and
``method`` (``restic``): ``volsync_volume_out_of_sync`` (gauge, 1 when never synced or when
the sync after the next scheduled one is overdue: ``statemachine/machine.go``
``pastScheduleDeadline``), ``volsync_missed_intervals_total`` (counter: a sync ended after
the next scheduled start) and ``volsync_sync_duration_seconds`` (a summary over 24h). Each
ReplicationSource reconcile creates its series (``newVolSyncMetrics`` ``.With``), so after a
restart they come back at 0 and ``absent`` means VolSync does not know the object. The
chart's ServiceMonitor (``helm/volsync/templates/servicemonitor-volsync.yaml``) sets no
``honorLabels``; ``obj_*`` clash with no target label.

There is no last-sync time among them: staleness comes from kube-state-metrics reading
``status.lastSyncTime`` (:mod:`.state_metrics`), 0 before the first sync.
"""

from __future__ import annotations

from collections.abc import Iterator

from msgspec import Struct

from compiler.analyse import EffectiveService
from compiler.plan import AlertRule, PanelQuery, PlanContext
from compiler.plan.alerts import Subject, copies_of, service_runbook, severity
from compiler.plan.dashboard import FAILURES, STALE_RATIO
from compiler.plan.promql import duration, one_of, selector
from compiler.tools.volsync import state_metrics as ksm
from compiler.tools.volsync.claims import claims, existing
from compiler.tools.volsync.existing import tree_sources
from compiler.tools.volsync.kinds import (
    DURATION,
    LAST_SYNC,
    MISSED,
    MISSED_KIND,
    MISSING,
    MOVER_FAILED,
    MOVER_RESULT,
    OUT_OF_SYNC,
    OUT_OF_SYNC_KIND,
    SLOW,
    SOURCE_MISSING,
    STALE,
)
from compiler.tools.volsync.names import source_name
from compiler.tools.volsync.settings import SETTINGS


def claim_gaps(context: PlanContext, service: EffectiveService) -> dict[str, int]:
    gaps: dict[str, int] = {}
    for _, claim, copy in copies_of(context, service, "volsync"):
        if claim is not None:
            gaps[claim] = max(copy.gap, gaps.get(claim, 0))
    return gaps


def source_names(context: PlanContext, service: EffectiveService) -> dict[str, str]:
    """The ReplicationSource of each PVC: the tree's own with ``volsync.existing``, else
    the generated ``bp-<claim>``."""
    names = {claim.name: source_name(claim.name) for claim in claims(service)}
    if existing(service):
        found = tree_sources(context.inventory, service)
        names.update({claim: source.name for claim, source in found.items()})
    return names


def _last_sync(namespace: str, name: str) -> str:
    return selector(LAST_SYNC.name, namespace=namespace, **{ksm.NAME_LABEL: name})


def _volsync(metric: str, namespace: str, name: str, **extra: str) -> str:
    return selector(metric, obj_namespace=namespace, obj_name=name, role="source", **extra)


def _subject(service: EffectiveService, claim: str) -> Subject:
    labels = {
        "namespace": service.namespace,
        "backup_policy_service": service.key,
        "backup_policy_item": f"pvc/{claim}",
    }
    return Subject(severity(service.classification), service_runbook(service), labels)


def _failed(namespace: str, name: str) -> str:
    label = {ksm.NAME_LABEL: name}
    return selector(ksm.MOVER_RESULT, namespace=namespace, **label, result="Failed")


class _Item(Struct, frozen=True):
    """One backed-up PVC: what its rules are about and the numbers they use."""

    service: EffectiveService
    claim: str
    name: str
    gap: int
    window: int

    @property
    def subject(self) -> Subject:
        return _subject(self.service, self.claim)

    @property
    def what(self) -> str:
        return f"VolSync backup of PVC {self.service.namespace}/{self.claim}"

    def volsync(self, metric: str, **extra: str) -> str:
        return _volsync(metric, self.service.namespace, self.name, **extra)


_MISSING = (
    "kube-state-metrics reports no lastSyncTime of the ReplicationSource (never synced, or "
    "the VolSync state-metrics config is not mounted)."
)


def _freshness(item: _Item) -> list[AlertRule]:
    last, gap, what = _last_sync(item.service.namespace, item.name), item.gap, item.what
    stale = (
        f"The last sync is {{{{ $value | humanizeDuration }}}} old; the class's VolSync "
        f"backups are at most {duration(gap)} apart."
    )
    expressions = (
        (STALE, f"(time() - {last}) > {gap} and {last} > 0", item.window),
        (MISSING, f"{last} == 0 or absent({last})", gap + item.window),
        (MOVER_FAILED, f"{_failed(item.service.namespace, item.name)} == 1", 0),
    )
    texts = (
        (f"{what} is stale", stale),
        (f"{what} has no recorded sync", _MISSING),
        (f"{what} failed", "The latest mover job failed."),
    )
    return [
        item.subject.rule(kind, expr, wait, summary, description)
        for (kind, expr, wait), (summary, description) in zip(expressions, texts, strict=True)
    ]


def _presence(item: _Item) -> list[AlertRule]:
    out_of_sync, name = item.volsync(OUT_OF_SYNC.name), item.name
    where = f"{item.service.namespace}/{item.claim}"
    return [
        item.subject.rule(
            OUT_OF_SYNC_KIND,
            f"{out_of_sync} == 1",
            item.window,
            f"{item.what} is out of sync",
            "VolSync reports the volume out of sync (never synced, or a sync is overdue).",
        ),
        item.subject.rule(
            SOURCE_MISSING,
            f"absent({out_of_sync})",
            item.window,
            f"VolSync does not report the ReplicationSource of {where}",
            f"No VolSync metrics for {name}: not applied, VolSync down or unscraped.",
        ),
    ]


def _events(item: _Item) -> list[AlertRule]:
    within, window = duration(item.gap), duration(item.window)
    missed = f"increase({item.volsync(MISSED.name)}[{within}]) > 0"
    slow = f"{item.volsync(DURATION.name, quantile='0.9')} > {item.window}"
    return [
        item.subject.rule(
            MISSED_KIND,
            missed,
            0,
            f"{item.what} missed its schedule",
            f"A sync ended after the next scheduled start within the last {within}.",
        ),
        item.subject.rule(
            SLOW,
            slow,
            0,
            f"{item.what} runs longer than its window",
            f"A tenth of the syncs of the last 24h took longer than {window}.",
        ),
    ]


def alerts(context: PlanContext, service: EffectiveService) -> Iterator[AlertRule]:
    settings = SETTINGS.of(service.defaults)
    if settings is None:
        return
    names = source_names(context, service)
    for claim, gap in claim_gaps(context, service).items():
        item = _Item(service, claim, names.get(claim, source_name(claim)), gap, settings.window)
        yield from (*_freshness(item), *_presence(item), *_events(item))


def panels(context: PlanContext) -> Iterator[PanelQuery]:
    """Per namespace and gap: last sync age / gap; failed mover jobs per source."""
    groups: dict[tuple[str, int], set[str]] = {}
    for service in context.analysis.services:
        known = source_names(context, service)
        for claim, gap in claim_gaps(context, service).items():
            name = known.get(claim, source_name(claim))
            groups.setdefault((service.namespace, gap), set()).add(name)
    legend = f"{{{{namespace}}}}/{{{{{ksm.NAME_LABEL}}}}} (VolSync)"
    for (namespace, gap), names in sorted(groups.items()):
        last = selector(LAST_SYNC.name, namespace=namespace, **{ksm.NAME_LABEL: one_of(names)})
        yield PanelQuery(STALE_RATIO, f"(time() - {last}) / {gap}", legend)
    if groups:
        namespaces = one_of(namespace for namespace, _ in groups)
        failed = selector(MOVER_RESULT.name, namespace=namespaces, result="Failed")
        yield PanelQuery(FAILURES, f"{failed} == 1", f"{legend} mover failed")
