"""CloudNativePG alerts: base-backup freshness and failures, and stalled WAL archiving.

Every series comes from the instances' metrics endpoint, scraped by the generated PodMonitor
(job ``<namespace>/<cluster>-backup``); the exporter sets no label of its own on them, so
the rules select on ``namespace`` and ``job`` and aggregate the instances with ``max``:

- the barman-cloud plugin's ``barman_cloud_cloudnative_pg_io_last_available_backup_timestamp``
  and ``..._last_failed_backup_timestamp`` (plugin-barman-cloud@v0.14.0
  internal/cnpgi/instance/metrics.go) are read from the ObjectStore's status by every
  instance: 0 until the server's first backup (failure);
- ``cnpg_collector_last_available_backup_timestamp`` and ``..._last_failed_backup_timestamp``
  (cloudnative-pg@v1.30.0 pkg/management/postgres/webserver/metricserver/pg_collector.go)
  come from the Cluster's status, set on the primary only (0 on the others).
  ``lastSuccessfulBackup`` "is not set for backup plugins" (api/v1/cluster_types.go), so the
  available-backup gauge proves freshness only for the in-tree method; a failed plugin backup
  does set ``lastFailedBackup`` (pkg/management/postgres/webserver/plugin_backup.go), so the
  failure rule of the plugin reads both failure gauges;
- ``cnpg_pg_stat_archiver_seconds_since_last_archival`` (the default monitoring queries,
  config/manager/default-monitoring.yaml ``pg_stat_archiver``, on the primary; -1 before the
  first archival) and ``cnpg_collector_pg_wal_archive_status{value="ready"}`` (segments
  waiting for the archiver). An idle database closes no segment, so its last archival ages
  without data at risk: archiving is stale only while segments wait.
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler.analyse import EffectiveService
from compiler.core import cron
from compiler.plan import AlertKind, AlertRule, Metric, PanelQuery, PlanContext
from compiler.plan.alerts import Subject, copies_of, service_runbook, severity
from compiler.plan.dashboard import STALE_RATIO
from compiler.plan.promql import duration, selector
from compiler.tools.cnpg.names import METHOD, item_key, job_label, seed
from compiler.tools.cnpg.resolve import Postgres, clusters_of

_CNPG = "cloudnative-pg/cloudnative-pg@v1.30.0:"
_COLLECTOR = _CNPG + "pkg/management/postgres/webserver/metricserver/pg_collector.go"
_PLUGIN = "cloudnative-pg/plugin-barman-cloud@v0.14.0:internal/cnpgi/instance/metrics.go"
_QUERIES = (
    _CNPG + "pkg/management/postgres/metrics/mappings.go (cnpg_<query>_<column> of the "
    "default monitoring queries, config/manager/default-monitoring.yaml: pg_stat_archiver)"
)
PLUGIN_LAST = Metric(
    "barman_cloud_cloudnative_pg_io_last_available_backup_timestamp",
    "gauge",
    (),
    f"{_PLUGIN} (lastAvailableBackupTimestampMetricName)",
)
PLUGIN_FAILED = Metric(
    "barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp",
    "gauge",
    (),
    f"{_PLUGIN} (lastFailedBackupTimestampMetricName)",
)
CNPG_LAST = Metric(
    "cnpg_collector_last_available_backup_timestamp",
    "gauge",
    (),
    f"{_COLLECTOR} (LastAvailableBackupTimestamp)",
)
CNPG_FAILED = Metric(
    "cnpg_collector_last_failed_backup_timestamp",
    "gauge",
    (),
    f"{_COLLECTOR} (LastFailedBackupTimestamp)",
)
ARCHIVAL = Metric("cnpg_pg_stat_archiver_seconds_since_last_archival", "gauge", (), _QUERIES)
WAL_STATUS = Metric(
    "cnpg_collector_pg_wal_archive_status",
    "gauge",
    ("value",),
    f"{_COLLECTOR} (PgWALArchiveStatus)",
)
_USED = ("namespace", "job")
_B = (
    'B = max by (namespace, job) (<last available>{namespace="<namespace>",job="<job>"}), '
    "<last available> the plugin's gauge (cnpg_collector_ for the in-tree method)"
)
STALE = AlertKind(
    "CnpgBackupStale",
    "CloudNativePG",
    "The cluster's last base backup is older than the largest gap between its scheduled "
    "base backups (WAL replay on restore grows past what the schedule promises).",
    f"(time() - B) > <gap> and B > 0, with {_B}",
    (PLUGIN_LAST, CNPG_LAST),
    "the class's cnpg window (how long a base backup may run)",
    labels_used=_USED,
)
MISSING = AlertKind(
    "CnpgBackupMissing",
    "CloudNativePG",
    "The cluster has no base backup (0), or its metrics are not scraped: the WAL archive "
    "cannot be restored without one.",
    f"B == 0 or absent(<last available>{{...}}), with {_B}",
    (PLUGIN_LAST, CNPG_LAST),
    "gap + window: a new cluster's first backup may be that far away",
    labels_used=_USED,
)
FAILED = AlertKind(
    "CnpgBackupFailed",
    "CloudNativePG",
    "A base backup failed after the last one that succeeded.",
    "max by (namespace, job) (F) > B, per failure gauge F (the plugin's or cnpg_collector_'s "
    f"for the plugin, cnpg_collector_'s in-tree), with {_B}",
    (PLUGIN_FAILED, CNPG_FAILED, PLUGIN_LAST, CNPG_LAST),
    "0s: a failed backup is an event",
    labels_used=_USED,
)
WAL_STALE = AlertKind(
    "CnpgWalArchivingStale",
    "CloudNativePG",
    "WAL segments wait for the archiver and none was archived within the archive timeout "
    "(or ever): the effective RPO of continuous archiving is not met.",
    "(S > <archiveTimeout> or S < 0) and on (namespace, job) R > 0, with S = max by "
    '(namespace, job) (cnpg_pg_stat_archiver_seconds_since_last_archival{namespace="<namespace>",'
    'job="<job>"}) and R = max by (namespace, job) '
    '(cnpg_collector_pg_wal_archive_status{namespace="<namespace>",job="<job>",value="ready"})',
    (ARCHIVAL, WAL_STATUS),
    "the archive timeout: one more segment switch may be on its way",
    labels_used=(*_USED, "value"),
)
KINDS = (STALE, MISSING, FAILED, WAL_STALE)


def _last(pg: Postgres, metric: Metric) -> str:
    ns = pg.service.namespace
    return selector(metric.name, namespace=ns, job=job_label(ns, pg.cluster))


def _max(series: str) -> str:
    return f"max by (namespace, job) ({series})"


def _last_available(pg: Postgres) -> str:
    """B: the time of the cluster's last available base backup."""
    return _last(pg, PLUGIN_LAST if pg.settings.method == "plugin" else CNPG_LAST)


def _failed_expr(pg: Postgres) -> str:
    """A failure gauge newer than B. Each gauge is aggregated on its own: ``or`` matches
    series on their labels without the metric name, so ``F1 or F2`` would drop F2 wherever
    F1 exists (every instance)."""
    b = _max(_last_available(pg))
    gauges = (PLUGIN_FAILED, CNPG_FAILED) if pg.settings.method == "plugin" else (CNPG_FAILED,)
    return " or ".join(f"{_max(_last(pg, gauge))} > {b}" for gauge in gauges)


def _wal_expr(pg: Postgres) -> str:
    timeout = pg.settings.archive_timeout
    since = _max(_last(pg, ARCHIVAL))
    ns = pg.service.namespace
    ready = selector(WAL_STATUS.name, namespace=ns, job=job_label(ns, pg.cluster), value="ready")
    return f"({since} > {timeout} or {since} < 0) and on (namespace, job) {_max(ready)} > 0"


def _wal_rule(pg: Postgres, subject: Subject) -> AlertRule:
    timeout = duration(pg.settings.archive_timeout)
    return subject.rule(
        WAL_STALE,
        _wal_expr(pg),
        pg.settings.archive_timeout,
        f"WAL archiving of Postgres cluster {pg.service.namespace}/{pg.cluster} is stalled",
        f"WAL segments are waiting and none was archived within {timeout} (archive_timeout): "
        "changes since then exist only in the cluster.",
    )


def _subject(pg: Postgres) -> Subject:
    service = pg.service
    labels = {
        "namespace": service.namespace,
        "backup_policy_service": service.key,
        "backup_policy_item": item_key(pg.cluster),
    }
    return Subject(severity(service.classification), service_runbook(service), labels)


def _rules(pg: Postgres, gap: int) -> Iterator[AlertRule]:
    service, window, subject = pg.service, pg.settings.window, _subject(pg)
    last = _last_available(pg)
    b, what = _max(last), f"Postgres cluster {service.namespace}/{pg.cluster}"
    yield subject.rule(
        STALE,
        f"(time() - {b}) > {gap} and {b} > 0",
        window,
        f"Base backup of {what} is stale",
        f"The last base backup is {{{{ $value | humanizeDuration }}}} old; the class's base "
        f"backups are at most {duration(gap)} apart.",
    )
    yield subject.rule(
        MISSING,
        f"{b} == 0 or absent({last})",
        gap + window,
        f"{what} has no base backup",
        "No base backup is recorded for this cluster, or its instances are not scraped.",
    )
    yield subject.rule(
        FAILED,
        _failed_expr(pg),
        0,
        f"Base backup of {what} failed",
        "The newest base backup failed; see the Backup objects of the cluster.",
    )
    yield _wal_rule(pg, subject)


def _protected(context: PlanContext, service: EffectiveService) -> Iterator[tuple[Postgres, int]]:
    """Each cluster the analysis found copied by cnpg, with its base-backup gap (the
    largest interval of its resolved ScheduledBackup schedule)."""
    copied = {key for key, _, _ in copies_of(context, service, METHOD)}
    book, cluster = context.analysis.schedules, context.analysis.policies.cluster.policy.spec
    for pg in clusters_of(service, cluster):
        if item_key(pg.cluster) in copied:
            yield pg, cron.max_gap_seconds(book.cron_for(seed(service.key, pg.cluster)))


def alerts(context: PlanContext, service: EffectiveService) -> Iterator[AlertRule]:
    for pg, gap in _protected(context, service):
        yield from _rules(pg, gap)


def panels(context: PlanContext) -> Iterator[PanelQuery]:
    """The age of each cluster's last base backup over its stale threshold."""
    for service in context.analysis.services:
        for pg, gap in _protected(context, service):
            b = _max(_last_available(pg))
            legend = f"{{{{namespace}}}}/{pg.cluster} (CloudNativePG)"
            yield PanelQuery(STALE_RATIO, f"(time() - {b}) / {gap}", legend)
