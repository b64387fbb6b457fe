"""Alerts on CronJobs the compiler generates (cleanup, restore verification), from
kube-state-metrics: any tool that schedules a CronJob raises them through :func:`cronjob_alerts`.

kube-state-metrics keeps its own ``namespace`` label because kube-prometheus-stack scrapes
it with ``honorLabels: true`` (prometheus-community/helm-charts, chart
kube-prometheus-stack 88.5.3 values.yaml: ``kube-state-metrics.prometheus.monitor``).
"""

from __future__ import annotations

from msgspec import Struct

from compiler.plan.alerts import AlertKind, AlertRule, Metric, Subject
from compiler.plan.promql import duration, selector

_KSM = "kubernetes/kube-state-metrics@v2.20.0:internal/store/"
JOB_FAILED = Metric(
    "kube_job_status_failed",
    "gauge",
    ("namespace", "job_name", "reason"),
    _KSM + "job.go (kube_job_status_failed)",
)
JOB_START = Metric(
    "kube_job_status_start_time",
    "gauge",
    ("namespace", "job_name"),
    _KSM + "job.go (kube_job_status_start_time)",
)
JOB_OWNER = Metric(
    "kube_job_owner",
    "gauge",
    ("namespace", "job_name", "owner_kind", "owner_name", "owner_is_controller"),
    _KSM + "job.go (kube_job_owner)",
)
LAST_SUCCESS = Metric(
    "kube_cronjob_status_last_successful_time",
    "gauge",
    ("namespace", "cronjob"),
    _KSM + "cronjob.go (kube_cronjob_status_last_successful_time)",
)
SUSPENDED = Metric(
    "kube_cronjob_spec_suspend",
    "gauge",
    ("namespace", "cronjob"),
    _KSM + "cronjob.go (kube_cronjob_spec_suspend)",
)
_TOOL = "kube-state-metrics"

FAILED = AlertKind(
    "BackupPolicyCronJobFailed",
    _TOOL,
    "The newest failed run of a generated CronJob is newer than its last success.",
    "N > on (namespace) max by (namespace) (C) or (N unless on (namespace) C), with N ="
    ' max by (namespace) (kube_job_status_start_time{namespace="<ns>"} and on (namespace,'
    ' job_name) (kube_job_status_failed{namespace="<ns>"} > 0) and on (namespace, job_name)'
    ' kube_job_owner{namespace="<ns>",owner_kind="CronJob",owner_name="<cronjob>"}) and'
    ' C = kube_cronjob_status_last_successful_time{namespace="<ns>",cronjob="<cronjob>"}',
    (JOB_START, JOB_FAILED, JOB_OWNER, LAST_SUCCESS),
    "0s: a failed Job is an event",
    "set by the tool (the Litestream cleanup: warning)",
    ("namespace", "job_name", "owner_kind", "owner_name", "cronjob"),
)
STALE = AlertKind(
    "BackupPolicyCronJobStale",
    _TOOL,
    "A generated CronJob has not succeeded for longer than its largest schedule gap.",
    "(time() - C) > <gap> unless on (namespace, cronjob) K == 1, with"
    ' C = kube_cronjob_status_last_successful_time{namespace="<ns>",cronjob="<cronjob>"},'
    ' K = kube_cronjob_spec_suspend{namespace="<ns>",cronjob="<cronjob>"}',
    (LAST_SUCCESS, SUSPENDED),
    "the Job's activeDeadlineSeconds (how long one run may take)",
    "set by the tool (the Litestream cleanup: warning)",
    ("namespace", "cronjob"),
)
NEVER = AlertKind(
    "BackupPolicyCronJobNeverSucceeded",
    _TOOL,
    "A generated CronJob has no recorded success (new, broken, or not in kube-state-metrics).",
    'absent(kube_cronjob_status_last_successful_time{namespace="<ns>",cronjob="<cronjob>"})',
    (LAST_SUCCESS,),
    "gap + activeDeadlineSeconds: its first run may be a whole gap away",
    "set by the tool (the Litestream cleanup: warning)",
    ("namespace", "cronjob"),
)
KINDS = (FAILED, STALE, NEVER)


class CronJobWatch(Struct, frozen=True):
    """A generated CronJob: where, its largest schedule gap and its run deadline (seconds)."""

    namespace: str
    name: str
    gap: int
    deadline: int
    severity: str
    runbook: str
    what: str
    labels: tuple[tuple[str, str], ...] = ()
    """More labels of its alerts (an app's CronJob: ``backup_policy_service``)."""


def _failed_expr(watch: CronJobWatch) -> str:
    ns = watch.namespace
    owned = selector("kube_job_owner", namespace=ns, owner_kind="CronJob", owner_name=watch.name)
    start = selector("kube_job_status_start_time", namespace=ns)
    failed = selector("kube_job_status_failed", namespace=ns)
    newest = (
        f"max by (namespace) ({start} and on (namespace, job_name) ({failed} > 0)"
        f" and on (namespace, job_name) {owned})"
    )
    last = selector("kube_cronjob_status_last_successful_time", namespace=ns, cronjob=watch.name)
    return (
        f"{newest} > on (namespace) max by (namespace) ({last})"
        f" or ({newest} unless on (namespace) {last})"
    )


def cronjob_alerts(watch: CronJobWatch) -> list[AlertRule]:
    """Failed, stale (a suspended CronJob is not stale) and never succeeded."""
    where = {"namespace": watch.namespace, "cronjob": watch.name}
    last = selector(LAST_SUCCESS.name, **where)
    suspended = selector(SUSPENDED.name, **where)
    subject = Subject(watch.severity, watch.runbook, {**dict(watch.labels), "cronjob": watch.name})
    what = f"{watch.what} (CronJob {watch.namespace}/{watch.name})"
    every = duration(watch.gap)
    return [
        subject.rule(
            FAILED,
            _failed_expr(watch),
            0,
            f"{what} failed",
            f"The last run of {what} failed after its last success; see the Job's logs.",
        ),
        subject.rule(
            STALE,
            f"(time() - {last}) > {watch.gap} unless on (namespace, cronjob) {suspended} == 1",
            watch.deadline,
            f"{what} has not succeeded for over {every}",
            f"Its schedule runs it at least every {every}.",
        ),
        subject.rule(
            NEVER,
            f"absent({last})",
            watch.gap + watch.deadline,
            f"{what} has never succeeded",
            "kube-state-metrics reports no successful run of this CronJob.",
        ),
    ]
