"""Velero alerts per generated Schedule, written beside the Schedules (shared folder).

vmware-tanzu/velero@v1.18.1, pkg/metrics/metrics.go (label ``schedule`` = the Schedule's
name, from the backup label ``velero.io/schedule-name``):
- ``velero_backup_last_successful_timestamp`` is set on each Completed backup and recomputed
  every minute from the Backup objects (pkg/controller/backup_controller.go
  ``updateTotalBackupMetric``), so it is absent until a schedule's first success, and it comes
  back after the Schedule is deleted for as long as its Backups exist;
- ``velero_backup_attempt_total`` and the other counters are created at 0 by ``InitSchedule``
  on every reconcile of an existing, unpaused Schedule and deleted by ``RemoveSchedule`` when
  the Schedule is gone (pkg/controller/schedule_controller.go; the controller's predicate
  skips paused Schedules, so after Velero restarts a paused Schedule has no counters).
Staleness therefore requires the schedule's counters: a removed Schedule, or one paused
since Velero's last start, does not page as stale (it pages as inactive after a gap).
``velero_backup_last_status`` is not used: ``InitSchedule`` resets it to 1 every minute.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from msgspec import Struct

from compiler.plan import AlertKind, AlertRule, Metric, PanelQuery, SharedAlerts
from compiler.plan.alerts import SEVERITIES, MetricType, Subject, runbook_url, severity
from compiler.plan.dashboard import FAILURES, STALE_RATIO
from compiler.plan.promql import duration, one_of, selector

# How long one backup of a namespace's resources may take (minutes in practice).
RUN_ALLOWANCE = 1800
LOCATION_FOR = 900
_SOURCE = "vmware-tanzu/velero@v1.18.1:pkg/metrics/metrics.go"


def _metric(name: str, kind: MetricType, symbol: str, label: str = "schedule") -> Metric:
    return Metric(name, kind, (label,), f"{_SOURCE} ({symbol})")


LAST_SUCCESS = _metric(
    "velero_backup_last_successful_timestamp", "gauge", "backupLastSuccessfulTimestamp"
)
ATTEMPTS = _metric("velero_backup_attempt_total", "counter", "backupAttemptTotal, InitSchedule")
FAILURE = _metric("velero_backup_failure_total", "counter", "backupFailureTotal")
PARTIAL = _metric("velero_backup_partial_failure_total", "counter", "backupPartialFailureTotal")
INVALID = _metric(
    "velero_backup_validation_failure_total", "counter", "backupValidationFailureTotal"
)
LOCATION = _metric(
    "velero_backup_location_status_gauge", "gauge", "backupLocationStatus", "backup_location_name"
)
_S = ("schedule",)
STALE = AlertKind(
    "VeleroBackupStale",
    "Velero",
    "The schedule's last Completed backup is older than its largest gap between runs.",
    '(time() - velero_backup_last_successful_timestamp{schedule="<schedule>"}) > <gap>'
    ' and on (schedule) velero_backup_attempt_total{schedule="<schedule>"}',
    (LAST_SUCCESS, ATTEMPTS),
    "30m: how long one backup may run",
    labels_used=_S,
)
MISSING = AlertKind(
    "VeleroBackupMissing",
    "Velero",
    "The schedule has no Completed backup (never succeeded, or every backup expired).",
    'absent(velero_backup_last_successful_timestamp{schedule="<schedule>"})',
    (LAST_SUCCESS,),
    "gap + 30m: a new schedule's first backup may be a whole gap away",
    labels_used=_S,
)
INACTIVE = AlertKind(
    "VeleroScheduleInactive",
    "Velero",
    "Velero does not run the schedule the policy declares (deleted, paused since Velero "
    "started, or Velero not scraped).",
    'absent(velero_backup_attempt_total{schedule="<schedule>"})',
    (ATTEMPTS,),
    "the gap: a pause shorter than one gap does not alert",
    labels_used=_S,
)


def _failure_kind(name: str, metric: Metric, what: str) -> AlertKind:
    return AlertKind(
        name,
        "Velero",
        f"A backup of the schedule {what} within the last gap.",
        f'increase({metric.name}{{schedule="<schedule>"}}[<gap>]) > 0',
        (metric,),
        "0s: a failed backup is an event",
        labels_used=_S,
    )


FAILED = _failure_kind("VeleroBackupFailed", FAILURE, "failed")
PARTIALLY_FAILED = _failure_kind("VeleroBackupPartiallyFailed", PARTIAL, "partially failed")
INVALID_BACKUP = _failure_kind("VeleroBackupValidationFailed", INVALID, "failed validation")
_FAILURES = (
    (FAILED, "failed"),
    (PARTIALLY_FAILED, "partially failed"),
    (INVALID_BACKUP, "failed validation"),
)
LOCATION_DOWN = AlertKind(
    "VeleroStorageLocationUnavailable",
    "Velero",
    "A backup storage location the schedules use is not Available.",
    'velero_backup_location_status_gauge{backup_location_name="<location>"} == 0',
    (LOCATION,),
    "15m",
    "the strictest class of the schedules using it",
    labels_used=("backup_location_name",),
)
KINDS = (STALE, MISSING, INACTIVE, FAILED, PARTIALLY_FAILED, INVALID_BACKUP, LOCATION_DOWN)


class Scheduled(Struct, frozen=True):
    """A generated Velero Schedule: the namespace it backs up, its largest gap, the class
    of its strictest service and the storage location it writes to."""

    namespace: str
    schedule: str
    gap: int
    classification: str
    location: str
    sources: tuple[str, ...]


def _failure_rules(item: Scheduled, subject: Subject) -> Iterator[AlertRule]:
    over = duration(item.gap)
    for kind, what in _FAILURES:
        counter = selector(kind.metrics[0].name, schedule=item.schedule)
        yield subject.rule(
            kind,
            f"increase({counter}[{over}]) > 0",
            0,
            f"Velero backup of namespace {item.namespace} {what}",
            f"A backup of schedule {item.schedule} {what} within the last {over}.",
        )


def schedule_rules(item: Scheduled) -> Iterator[AlertRule]:
    last = selector(LAST_SUCCESS.name, schedule=item.schedule)
    attempts = selector(ATTEMPTS.name, schedule=item.schedule)
    subject = Subject(
        severity(item.classification),
        runbook_url("velero", item.schedule),
        {"namespace": item.namespace},
    )
    what = f"Velero backup of namespace {item.namespace}"
    yield subject.rule(
        STALE,
        f"(time() - {last}) > {item.gap} and on (schedule) {attempts}",
        RUN_ALLOWANCE,
        f"{what} is stale",
        f"The last Completed backup of {item.schedule} is {{{{ $value | humanizeDuration }}}} "
        f"old; the schedule runs at most {duration(item.gap)} apart.",
    )
    yield subject.rule(
        MISSING,
        f"absent({last})",
        item.gap + RUN_ALLOWANCE,
        f"{what} has no Completed backup",
        f"No Completed backup of schedule {item.schedule} exists.",
    )
    yield subject.rule(
        INACTIVE,
        f"absent({attempts})",
        item.gap,
        f"Velero schedule {item.schedule} is not active",
        "Velero has no metrics for this schedule: it was deleted, is paused, or Velero is down.",
    )
    yield from _failure_rules(item, subject)


def location_rules(scheduled: Iterable[Scheduled]) -> Iterator[AlertRule]:
    """One rule per storage location, as strict as the strictest schedule writing to it."""
    strictest: dict[str, str] = {}
    order = list(SEVERITIES)
    for item in scheduled:
        current = strictest.get(item.location)
        if current is None or order.index(item.classification) < order.index(current):
            strictest[item.location] = item.classification
    for location, classification in sorted(strictest.items()):
        subject = Subject(severity(classification), runbook_url("velero", "location", location))
        yield subject.rule(
            LOCATION_DOWN,
            f"{selector(LOCATION.name, backup_location_name=location)} == 0",
            LOCATION_FOR,
            f"Velero backup storage location {location} is unavailable",
            "Velero reports the location as Unavailable: no backup can be written to it.",
        )


def shared_alerts(
    scheduled: list[Scheduled], folder: str, namespace: str, cluster_file: str
) -> Iterator[SharedAlerts]:
    rules = [r for item in scheduled for r in schedule_rules(item)]
    rules += location_rules(scheduled)
    sources = sorted({s for item in scheduled for s in item.sources} - {cluster_file})
    yield SharedAlerts(folder, namespace, "backup-policy-velero", tuple(rules), tuple(sources))


def panels(scheduled: list[Scheduled]) -> Iterator[PanelQuery]:
    by_gap: dict[int, set[str]] = {}
    for item in scheduled:
        by_gap.setdefault(item.gap, set()).add(item.schedule)
    for gap, schedules in sorted(by_gap.items()):
        last = selector(LAST_SUCCESS.name, schedule=one_of(schedules))
        yield PanelQuery(STALE_RATIO, f"(time() - {last}) / {gap}", "{{schedule}} (Velero)")
    names = one_of(item.schedule for item in scheduled)
    for metric in (FAILURE, PARTIAL, INVALID) if scheduled else ():
        expr = f"sum by (schedule) (increase({selector(metric.name, schedule=names)}[1h]))"
        yield PanelQuery(FAILURES, expr, f"Velero {{{{schedule}}}} {metric.name}")
