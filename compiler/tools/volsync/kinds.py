"""The kinds of alert VolSync raises and the metrics they read (documented in
docs/alerts.md); the facts behind them are in :mod:`.alerts`."""

from __future__ import annotations

from compiler.plan import AlertKind, Metric
from compiler.tools.volsync import state_metrics as ksm

_SOURCE = "backube/volsync@v0.16.0:internal/controller/metrics.go"
_KSM = "kubernetes/kube-state-metrics@v2.20.0:pkg/customresourcestate/registry_factory.go"
_LABELS = ("obj_name", "obj_namespace", "role", "method")
OUT_OF_SYNC = Metric("volsync_volume_out_of_sync", "gauge", _LABELS, f"{_SOURCE} (outOfSync)")
MISSED = Metric(
    "volsync_missed_intervals_total", "counter", _LABELS, f"{_SOURCE} (missedIntervals)"
)
DURATION = Metric(
    "volsync_sync_duration_seconds",
    "gauge",
    (*_LABELS, "quantile"),
    f"{_SOURCE} (syncDurations, a summary: its quantile series)",
)
_KSM_LABELS = ("namespace", ksm.NAME_LABEL, *ksm.LABELS)
LAST_SYNC = Metric(
    ksm.LAST_SYNC,
    "gauge",
    _KSM_LABELS,
    f"{_KSM} (toFloat64 of status.lastSyncTime; the generated config, nilIsZero)",
)
MOVER_RESULT = Metric(
    ksm.MOVER_RESULT,
    "gauge",
    (*_KSM_LABELS, "result"),
    f"{_KSM} (compiledStateSet of status.latestMoverStatus.result; the generated config)",
)
_T = f'T = {ksm.LAST_SYNC}{{namespace="<namespace>",replicationsource="bp-<claim>"}}'
_O = (
    'O = volsync_volume_out_of_sync{obj_namespace="<namespace>",obj_name="bp-<claim>",'
    'role="source"}'
)
_KSM_USED = ("namespace", ksm.NAME_LABEL)
_USED = ("obj_namespace", "obj_name", "role")

STALE = AlertKind(
    "VolSyncBackupStale",
    "VolSync",
    "The PVC's last successful VolSync backup (status.lastSyncTime) is older than the "
    "effective RPO of its VolSync copies.",
    f"(time() - T) > <gap> and T > 0, with {_T}",
    (LAST_SYNC,),
    "the class's VolSync window (how long a backup may run)",
    labels_used=_KSM_USED,
)
MISSING = AlertKind(
    "VolSyncBackupMissing",
    "VolSync",
    "The ReplicationSource never synced (0), or kube-state-metrics does not export its "
    "lastSyncTime (the generated config is not mounted).",
    f"T == 0 or absent(T), with {_T}",
    (LAST_SYNC,),
    "gap + window: a new source's first backup may be a whole gap away",
    labels_used=_KSM_USED,
)
MOVER_FAILED = AlertKind(
    "VolSyncMoverFailed",
    "VolSync",
    "The latest restic mover job of the PVC's ReplicationSource failed (its backoff limit "
    "was reached).",
    f'{ksm.MOVER_RESULT}{{namespace="<namespace>",replicationsource="bp-<claim>",'
    'result="Failed"} == 1',
    (MOVER_RESULT,),
    "0s: a failed job is an event",
    labels_used=(*_KSM_USED, "result"),
)
OUT_OF_SYNC_KIND = AlertKind(
    "VolSyncOutOfSync",
    "VolSync",
    "VolSync reports the PVC out of sync: never synced, or the sync after the next "
    "scheduled one is overdue.",
    f"O == 1, with {_O}",
    (OUT_OF_SYNC,),
    "the class's VolSync window",
    labels_used=_USED,
)
SOURCE_MISSING = AlertKind(
    "VolSyncSourceMissing",
    "VolSync",
    "VolSync reports nothing about the PVC's ReplicationSource: not applied, VolSync not "
    "running, or not scraped.",
    f"absent(O), with {_O}",
    (OUT_OF_SYNC,),
    "the class's VolSync window",
    labels_used=_USED,
)
MISSED_KIND = AlertKind(
    "VolSyncMissedIntervals",
    "VolSync",
    "A sync of the PVC ended after the next scheduled start within the last gap.",
    'increase(volsync_missed_intervals_total{obj_namespace="<namespace>",'
    'obj_name="bp-<claim>",role="source"}[<gap>]) > 0',
    (MISSED,),
    "0s: a missed interval is an event",
    labels_used=_USED,
)
SLOW = AlertKind(
    "VolSyncSyncSlow",
    "VolSync",
    "A tenth of the PVC's syncs of the last 24 hours ran longer than the class's window.",
    'volsync_sync_duration_seconds{obj_namespace="<namespace>",obj_name="bp-<claim>",'
    'role="source",quantile="0.9"} > <window>',
    (DURATION,),
    "0s: the summary already spans 24 hours",
    labels_used=(*_USED, "quantile"),
)
KINDS = (STALE, MISSING, MOVER_FAILED, OUT_OF_SYNC_KIND, SOURCE_MISSING, MISSED_KIND, SLOW)
