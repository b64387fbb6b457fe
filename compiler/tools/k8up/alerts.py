"""K8up alerts: staleness and failures of a service's restic backups, from operator counters.

K8up v2.15.0 exports only job counters per namespace and job type
(k8up-io/k8up@v2.15.0:operator/monitoring/prometheus.go): no last-success timestamp and no
schedule label, so an app's backups are judged by its namespace's counters. The chart's
ServiceMonitor (charts/k8up/templates/prometheus/servicemonitor.yaml, chart 4.8.8) sets no
``honorLabels``, so the job's ``namespace`` label reaches Prometheus as
``exported_namespace`` (``namespace`` is the operator's): the rules select on
``exported_namespace``, which is what the chart gives without any change.

Counters start from nothing when the operator restarts, and a labelled series is created by
its first increment (it is born at 1, which ``increase`` cannot see). Hence the staleness
rule ignores a namespace whose counter series appeared within the window (a success happened
after a restart), keeps judging a namespace whose samples stopped (no success since the
restart) for two windows, and the "missing" rule takes over after that.
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler.analyse import EffectiveService
from compiler.plan import AlertKind, AlertRule, Metric, Panel, PanelQuery, PlanContext
from compiler.plan.alerts import Subject, copies_of, service_runbook, severity
from compiler.plan.dashboard import FAILURES
from compiler.plan.promql import duration, increased, one_of, selector
from compiler.tools.k8up.settings import SETTINGS

NAMESPACE_LABEL = "exported_namespace"
_SOURCE = "k8up-io/k8up@v2.15.0:operator/monitoring/prometheus.go"
SUCCESS = Metric(
    "k8up_jobs_successful_counter",
    "counter",
    ("namespace", "jobType"),
    f"{_SOURCE} (metricsSuccessCounter)",
)
FAILED = Metric(
    "k8up_jobs_failed_counter",
    "counter",
    ("namespace", "jobType"),
    f"{_SOURCE} (metricsFailureCounter)",
)
_USED = (NAMESPACE_LABEL, "jobType")
_JOBS = ("backup", "check", "prune")

STALE = AlertKind(
    "K8upBackupStale",
    "K8up",
    "No K8up backup of the service's namespace succeeded within the effective RPO of its "
    "K8up copies (restart-guarded, see the module notes).",
    "(sum by (exported_namespace) (increase(S[<gap>])) or sum by (exported_namespace)"
    " (0 * last_over_time(S[2*<gap>+<window>]))) == 0 unless on (exported_namespace)"
    " (S unless S offset <gap>), with "
    'S = k8up_jobs_successful_counter{exported_namespace="<namespace>",jobType="backup"}',
    (SUCCESS,),
    "the class's K8up window (how long a backup may run)",
    labels_used=_USED,
)
MISSING = AlertKind(
    "K8upBackupMissing",
    "K8up",
    "No K8up backup success of the namespace has been seen for a whole gap (never backed up, "
    "no success since an operator restart, K8up not scraped, or the label is not "
    "exported_namespace).",
    'absent_over_time(k8up_jobs_successful_counter{exported_namespace="<namespace>",'
    'jobType="backup"}[<gap>])',
    (SUCCESS,),
    "gap + window: a new service's first backup may be a whole gap away",
    labels_used=_USED,
)
JOB_FAILED = AlertKind(
    "K8upJobFailed",
    "K8up",
    "A K8up backup, check or prune job of the namespace failed within the last gap.",
    "sum by (exported_namespace, jobType) (increase(F[<gap>])) > 0 or sum by"
    " (exported_namespace, jobType) (F > 0 unless F offset <gap>), with F = "
    'k8up_jobs_failed_counter{exported_namespace="<namespace>",jobType=~"backup|check|prune"}',
    (FAILED,),
    "0s: a failed job is an event",
    labels_used=_USED,
)
KINDS = (STALE, MISSING, JOB_FAILED)
SUCCESSES = Panel(
    "K8up: successful backups within the stale threshold",
    "K8up has no last-success timestamp: successful backup jobs per namespace within the "
    "effective RPO of its K8up copies. 0 means stale.",
    "short",
    "bargauge",
    20,
    ((0.0, "red"), (1.0, "green")),
)


def _stale_expr(success: str, gap: int, window: int) -> str:
    within, history = duration(gap), duration(2 * gap + window)
    by = NAMESPACE_LABEL
    seen = (
        f"sum by ({by}) (increase({success}[{within}]))"
        f" or sum by ({by}) (0 * last_over_time({success}[{history}]))"
    )
    return f"({seen}) == 0 unless on ({by}) ({success} unless {success} offset {within})"


def alerts(context: PlanContext, service: EffectiveService) -> Iterator[AlertRule]:
    """Stale, missing and failed, for the namespace the service's Schedule runs in."""
    settings = SETTINGS.of(service.defaults)
    copies = copies_of(context, service, "k8up")
    if settings is None or not copies:
        return
    gap, ns = max(copy.gap for _, _, copy in copies), service.namespace
    claims = ", ".join(sorted({claim for _, claim, _ in copies if claim}))
    success = selector(SUCCESS.name, **{NAMESPACE_LABEL: ns}, jobType="backup")
    failed = selector(FAILED.name, **{NAMESPACE_LABEL: ns}, jobType=one_of(_JOBS))
    labels = {"namespace": ns, "backup_policy_service": service.key}
    subject = Subject(severity(service.classification), service_runbook(service), labels)
    what, over = f"K8up backup of {service.key}", duration(gap)
    yield subject.rule(
        STALE,
        _stale_expr(success, gap, settings.window),
        settings.window,
        f"{what} is stale",
        f"No K8up backup in namespace {ns} succeeded for over {over}, the effective RPO of "
        f"the K8up copies of {claims}.",
    )
    yield subject.rule(
        MISSING,
        f"absent_over_time({success}[{over}])",
        gap + settings.window,
        f"{what} has no recorded success",
        f"K8up reports no successful backup in namespace {ns} for over {over}.",
    )
    yield subject.rule(
        JOB_FAILED,
        increased(failed, gap, f"{NAMESPACE_LABEL}, jobType"),
        0,
        f"K8up {{{{ $labels.jobType }}}} job failed in {ns}",
        f"A K8up job of namespace {ns} failed within the last {over}.",
    )


def panels(context: PlanContext) -> Iterator[PanelQuery]:
    """Per gap: successes within it per namespace, and failed jobs per hour."""
    by_gap: dict[int, set[str]] = {}
    for service in context.analysis.services:
        copies = copies_of(context, service, "k8up")
        if copies:
            by_gap.setdefault(max(c.gap for _, _, c in copies), set()).add(service.namespace)
    for gap, namespaces in sorted(by_gap.items()):
        success = selector(SUCCESS.name, **{NAMESPACE_LABEL: one_of(namespaces)}, jobType="backup")
        expr = f"sum by ({NAMESPACE_LABEL}) (increase({success}[{duration(gap)}]))"
        yield PanelQuery(SUCCESSES, expr, f"{{{{{NAMESPACE_LABEL}}}}} (K8up, {duration(gap)})")
    if by_gap:
        failed = selector(FAILED.name, **{NAMESPACE_LABEL: one_of(set().union(*by_gap.values()))})
        expr = f"sum by ({NAMESPACE_LABEL}, jobType) (increase({failed}[1h]))"
        yield PanelQuery(FAILURES, expr, f"K8up {{{{{NAMESPACE_LABEL}}}}} {{{{jobType}}}}")
