"""Litestream's metrics as the alerts use them, and the alert for a 0.3 replica that stops
advancing (``LitestreamReplicaStalled``).

``litestream_sync_error_count`` counts failures of the local WAL sync only (``DB.Sync``): a
replica upload that fails is only logged (0.3.13 ``replica.go`` ``monitor()``), so an
unreachable bucket or wrong credentials leave it at 0. 0.3 exports the replica's position
(``litestream_replica_wal_index``/``_offset``, set only after an upload succeeded): a replica
whose position does not move while the database writes WAL (``litestream_total_wal_bytes``
grows) is stalled. 0.5 exports no per-replica series (docs/alerts.md).
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
