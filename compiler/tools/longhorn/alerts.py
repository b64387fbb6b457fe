"""Longhorn alerts: per PVC, the age of its last backup, backups in Error, never backed up.

longhorn/longhorn-manager@v1.12.1 metrics_collector/:
- ``longhorn_volume_last_backup_at{node,volume,pvc,pvc_namespace}`` (volume_collector.go)
  is the Unix time of the volume's last successful backup, 0 when there is none;
- ``longhorn_backup_state{volume,backup,recurring_job}`` (backup_collector.go,
  ``getBackupStateValue``) encodes a Backup's state: 0 New, 1 Pending, 2 InProgress,
  3 Completed, 4 Error, 5 Unknown. There is no ``state`` label. Its ``volume`` is the
  Longhorn volume name, the same value as ``volume`` of the volume metrics, which is how a
  Backup is tied to the PVC it copies.
Snapshots (local copies) have no freshness metric; only backups to the target are judged.
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler.analyse import EffectiveService
from compiler.plan import AlertKind, AlertRule, Metric, PanelQuery, PlanContext
from compiler.plan.alerts import Subject, copies_of, service_runbook, severity
from compiler.plan.dashboard import FAILURES, STALE_RATIO
from compiler.plan.promql import duration, one_of, selector

METHOD = "longhorn-backup"
# How long one backup may run: the volume's lastBackupAt only moves when it completes.
RUN_ALLOWANCE = 3600
ERROR_STATE = 4
_SOURCE = "longhorn/longhorn-manager@v1.12.1:metrics_collector/"
LAST_BACKUP = Metric(
    "longhorn_volume_last_backup_at",
    "gauge",
    ("node", "volume", "pvc", "pvc_namespace"),
    _SOURCE + "volume_collector.go (lastBackupAtMetric)",
)
BACKUP_STATE = Metric(
    "longhorn_backup_state",
    "gauge",
    ("volume", "backup", "recurring_job"),
    _SOURCE + "backup_collector.go (stateMetric, getBackupStateValue)",
)
STALE = AlertKind(
    "LonghornBackupStale",
    "Longhorn",
    "The PVC's last Longhorn backup is older than the effective RPO of its Longhorn backups.",
    "(time() - L) > <gap> and L > 0, with "
    'L = longhorn_volume_last_backup_at{pvc_namespace="<namespace>",pvc="<claim>"}',
    (LAST_BACKUP,),
    "1h: how long one backup may run",
    labels_used=("pvc", "pvc_namespace"),
)
MISSING = AlertKind(
    "LonghornBackupMissing",
    "Longhorn",
    "The PVC has never been backed up by Longhorn (0), or Longhorn reports no such volume.",
    "L == 0 or absent(L), with "
    'L = longhorn_volume_last_backup_at{pvc_namespace="<namespace>",pvc="<claim>"}',
    (LAST_BACKUP,),
    "gap + 1h: a new volume's first backup may be a whole gap away",
    labels_used=("pvc", "pvc_namespace"),
)
ERROR = AlertKind(
    "LonghornBackupError",
    "Longhorn",
    "A Longhorn Backup of the PVC's volume is in state Error (4).",
    "(longhorn_backup_state == 4) and on (volume) "
    'longhorn_volume_last_backup_at{pvc_namespace="<namespace>",pvc="<claim>"}',
    (BACKUP_STATE, LAST_BACKUP),
    "0s: Error is final for a Backup",
    labels_used=("volume", "pvc", "pvc_namespace"),
)
KINDS = (STALE, MISSING, ERROR)


def _rules(service: EffectiveService, claim: str, gap: int) -> list[AlertRule]:
    last = selector(LAST_BACKUP.name, pvc_namespace=service.namespace, pvc=claim)
    labels = {
        "namespace": service.namespace,
        "backup_policy_service": service.key,
        "backup_policy_item": f"pvc/{claim}",
    }
    subject = Subject(severity(service.classification), service_runbook(service), labels)
    what = f"Longhorn backup of PVC {service.namespace}/{claim}"
    return [
        subject.rule(
            STALE,
            f"(time() - {last}) > {gap} and {last} > 0",
            RUN_ALLOWANCE,
            f"{what} is stale",
            f"The last backup is {{{{ $value | humanizeDuration }}}} old; the class's Longhorn "
            f"backups are at most {duration(gap)} apart.",
        ),
        subject.rule(
            MISSING,
            f"{last} == 0 or absent({last})",
            gap + RUN_ALLOWANCE,
            f"{what} does not exist",
            "Longhorn reports no backup of this PVC's volume, or no volume for this PVC.",
        ),
        subject.rule(
            ERROR,
            f"({BACKUP_STATE.name} == {ERROR_STATE}) and on (volume) {last}",
            0,
            f"{what} failed",
            "Backup {{ $labels.backup }} (recurring job {{ $labels.recurring_job }}) is in Error.",
        ),
    ]


def claim_gaps(context: PlanContext, service: EffectiveService) -> dict[str, int]:
    """Each backed-up PVC once (a database on a PVC is an item of its own, same copies)."""
    gaps: dict[str, int] = {}
    for _, claim, copy in copies_of(context, service, METHOD):
        if claim is not None:
            gaps[claim] = max(copy.gap, gaps.get(claim, 0))
    return gaps


def alerts(context: PlanContext, service: EffectiveService) -> Iterator[AlertRule]:
    for claim, gap in claim_gaps(context, service).items():
        yield from _rules(service, claim, gap)


def panels(context: PlanContext) -> Iterator[PanelQuery]:
    """Per namespace and gap: last backup age / gap; Backups in Error per volume."""
    groups: dict[tuple[str, int], set[str]] = {}
    for service in context.analysis.services:
        for claim, gap in claim_gaps(context, service).items():
            groups.setdefault((service.namespace, gap), set()).add(claim)
    for (namespace, gap), claims in sorted(groups.items()):
        last = selector(LAST_BACKUP.name, pvc_namespace=namespace, pvc=one_of(claims))
        legend = "{{pvc_namespace}}/{{pvc}} (Longhorn)"
        yield PanelQuery(STALE_RATIO, f"(time() - {last}) / {gap}", legend)
    if groups:
        namespaces = one_of(namespace for namespace, _ in groups)
        last = selector(LAST_BACKUP.name, pvc_namespace=namespaces)
        expr = f"count by (volume) (({BACKUP_STATE.name} == {ERROR_STATE}) and on (volume) {last})"
        yield PanelQuery(FAILURES, expr, "Longhorn {{volume}} backups in Error")
