"""Litestream's metrics as the alerts use them, and the alert for a replica that stops
advancing (``LitestreamReplicaStalled``, one shape per version).

``litestream_sync_error_count`` counts failures of the local WAL sync only (``DB.Sync``): a
replica upload that fails is only logged (0.3.13 ``replica.go`` ``monitor()``), so an
unreachable bucket or wrong credentials leave it at 0. 0.3 exports the replica's position
(``litestream_replica_wal_index``/``_offset``, set only after an upload succeeded): a replica
whose position does not move while the database writes WAL (``litestream_total_wal_bytes``
grows) is stalled.

0.5 exports no per-replica series. What it has, seen with the real 0.5.17 binary
(tests/alerts/test_litestream_replica_stalled_05.py): ``litestream_replica_operation_total
{operation="PUT"}``, per process (no ``db``), counted after each successful upload and
frozen while S3 is gone, as the database's WAL still grows; and a sidecar that cannot reach
S3 when it starts does not sync the database at all (``litestream_txid`` stays 0, as do the
WAL counters). So a 0.5 replica is stalled when the database wrote WAL and its pod uploaded
nothing, or while the database has no transaction synced since the sidecar started.
"""

from __future__ import annotations

from compiler.plan import AlertKind, AlertRule, Metric
from compiler.plan.alerts import Subject
from compiler.plan.promql import duration, selector
from compiler.tools.litestream.resolve import ServiceLitestream

SYNC_WINDOW = 900
# A write is replicated within one sync interval and seen at the next scrape; this covers
# scrape intervals of a few minutes (LitestreamReplicaStalled's `for`).
STALL_FOR_MIN = 300
SOURCE = "the /metrics of litestream {} (tests/alerts/test_litestream_metrics.py)"
DB_SIZE = Metric("litestream_db_size", "gauge", ("db",), SOURCE.format("0.3.13 and 0.5.17"))
WAL_SIZE = Metric("litestream_wal_size", "gauge", ("db",), SOURCE.format("0.3.13 and 0.5.17"))
SYNC_ERRORS = Metric(
    "litestream_sync_error_count", "counter", ("db",), SOURCE.format("0.3.13 and 0.5.17")
)
TOTAL_WAL = Metric(
    "litestream_total_wal_bytes", "counter", ("db",), SOURCE.format("0.3.13 and 0.5.17")
)
# Set after each successful upload of a WAL segment only (0.3.13 replica.go syncWAL), unlike
# litestream_replica_wal_bytes, which counts bytes read for an upload that may then fail.
REPLICA_INDEX = Metric(
    "litestream_replica_wal_index", "gauge", ("db", "name"), SOURCE.format("0.3.13")
)
REPLICA_OFFSET = Metric(
    "litestream_replica_wal_offset", "gauge", ("db", "name"), SOURCE.format("0.3.13")
)
VALIDATIONS = Metric(
    "litestream_replica_validation_total",
    "counter",
    ("db", "name", "status"),
    SOURCE.format("0.3.13 (with validation-interval)"),
)
USED = ("namespace", "job", "db")
JOIN = "namespace, job, pod, db"
TXID = Metric("litestream_txid", "gauge", ("db",), SOURCE.format("0.5.17"))
UPLOADS = Metric(
    "litestream_replica_operation_total",
    "counter",
    ("replica_type", "operation"),
    SOURCE.format("0.5.17, after a successful upload"),
)
POD = "namespace, job, pod"
STALLED = AlertKind(
    "LitestreamReplicaStalled",
    "Litestream",
    "A 0.3 replica's position has not moved while its database wrote WAL: uploads fail "
    "(S3 unreachable, wrong credentials or bucket) or hang. Also while the replica never "
    "succeeded since the sidecar started (its series are absent then).",
    'increase(litestream_total_wal_bytes{namespace="<namespace>",'
    'job="<namespace>/<app>-litestream",db="<path>"}[<window>]) > 0 '
    f"unless on ({JOIN}) "
    '(changes(litestream_replica_wal_index{namespace="<namespace>",'
    'job="<namespace>/<app>-litestream",db="<path>",name="<target>"}[<window>]) > 0 '
    "or changes(litestream_replica_wal_offset{...same...}[<window>]) > 0), "
    "window = max(2*<syncInterval>, 15m)",
    (TOTAL_WAL, REPLICA_INDEX, REPLICA_OFFSET),
    "max(2*<syncInterval>, 5m): a healthy replica uploads a write within one sync interval "
    "and the next scrape shows it",
    labels_used=(*USED, "name"),
)


def stalled_rule(
    spec: ServiceLitestream, where: dict[str, str], subject: Subject, replica: str
) -> AlertRule:
    """The replica's position (index or offset) did not change within the window while the
    database wrote WAL; ``unless`` keeps the alert when the replica's series are absent (no
    upload has succeeded since the sidecar started: wrong credentials, unreachable S3)."""
    sync = spec.timing.sync_interval
    window = duration(max(2 * sync, SYNC_WINDOW))
    written = f"increase({selector(TOTAL_WAL.name, **where)}[{window}]) > 0"
    moved = " or ".join(
        f"changes({selector(metric.name, **where, name=replica)}[{window}]) > 0"
        for metric in (REPLICA_INDEX, REPLICA_OFFSET)
    )
    # one rule per replica of the database: the target tells their alerts apart
    labels = {**subject.labels, "backup_policy_target": replica}
    return Subject(subject.severity, subject.runbook, labels).rule(
        STALLED,
        f"{written} unless on ({JOIN}) ({moved})",
        max(2 * sync, STALL_FOR_MIN),
        f"Litestream replica {replica} of {spec.key} {where['db']} is not advancing",
        f"The database wrote WAL in the last {window} but replica {replica} uploaded none of "
        "it: the copy on the target is falling behind. See the sidecar's log for "
        '"monitor error" (S3 unreachable, credentials, bucket).',
    )


STALLED_05 = AlertKind(
    "LitestreamReplicaStalled",
    "Litestream",
    "A 0.5 sidecar uploaded nothing while its database wrote WAL (S3 went away), or has "
    "synced no transaction of the database since it started (0.5 waits for its replica "
    "before it syncs: S3 unreachable from the start). Judged per pod: 0.5 counts uploads "
    "per process, so with two databases one replica still uploading hides the other's.",
    'increase(litestream_total_wal_bytes{namespace="<namespace>",'
    'job="<namespace>/<app>-litestream",db="<path>"}[<window>]) > 0 '
    f"unless on ({POD}) "
    'increase(litestream_replica_operation_total{namespace="<namespace>",'
    'job="<namespace>/<app>-litestream",operation="PUT"}[<window>]) > 0 '
    'or litestream_txid{...same...,db="<path>"} == 0, window = max(2*<syncInterval>, 15m)',
    (TOTAL_WAL, UPLOADS, TXID),
    "max(2*<syncInterval>, 5m): a healthy sidecar uploads a write within one sync interval, "
    "and syncs the database within seconds of starting",
    labels_used=(*USED, "operation"),
)


def stalled_rule_05(spec: ServiceLitestream, where: dict[str, str], subject: Subject) -> AlertRule:
    """The database wrote WAL within the window and its pod uploaded nothing (``unless``
    keeps the alert when no upload has succeeded since the sidecar started), or no
    transaction is synced at all."""
    sync = spec.timing.sync_interval
    window = duration(max(2 * sync, SYNC_WINDOW))
    written = f"increase({selector(TOTAL_WAL.name, **where)}[{window}]) > 0"
    scrape = {key: where[key] for key in ("namespace", "job")}
    uploaded = f"increase({selector(UPLOADS.name, **scrape, operation='PUT')}[{window}]) > 0"
    unsynced = f"{selector(TXID.name, **where)} == 0"
    return subject.rule(
        STALLED_05,
        f"({written} unless on ({POD}) {uploaded}) or {unsynced}",
        max(2 * sync, STALL_FOR_MIN),
        f"Litestream replica of {spec.key} {where['db']} is not advancing",
        f"The database wrote WAL in the last {window} and the sidecar uploaded none of it, "
        "or it has synced nothing since it started: the copy on the target is falling "
        "behind. See the sidecar's log (S3 unreachable, credentials, bucket).",
    )
