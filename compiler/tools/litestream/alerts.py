"""Litestream alerts: per declared database, a missing sidecar and local sync errors; per
0.3 replica (per 0.5 database), a replica that stops advancing; per 0.3 target, the
generation cleanup CronJob (through kube-state-metrics).

Metric names and labels are those of the real binaries' ``/metrics`` (tests start
``litestream replicate`` 0.3.13 and 0.5.17 with the generated configs and compare): label
``db`` is the database path as written in the config. Neither version exports a
last-replicated timestamp; what the sync error counter misses, and how a stalled
replica is seen, is in :mod:`compiler.tools.litestream.metrics`. The series are selected
by the PodMonitor's scrape job (``<namespace>/<app>-litestream``, the Prometheus
Operator's job name for a PodMonitor).
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler.analyse import EffectiveService
from compiler.core import cron
from compiler.model.cluster import S3Target
from compiler.plan import AlertKind, AlertRule, Metric, Panel, PanelQuery, PlanContext, SharedAlerts
from compiler.plan.alerts import (
    MAINTENANCE_SEVERITY,
    Subject,
    runbook_url,
    service_runbook,
    severity,
)
from compiler.plan.dashboard import FAILURES, STALE_RATIO
from compiler.plan.kube_jobs import KINDS as CRONJOB_KINDS
from compiler.plan.kube_jobs import CronJobWatch, cronjob_alerts
from compiler.plan.promql import Regex, duration, one_of, selector
from compiler.tools.litestream import verify
from compiler.tools.litestream.cleanup import CLEANUP_DIR, declared_paths, job_name, seed
from compiler.tools.litestream.inject import rendered_target
from compiler.tools.litestream.metrics import (
    DB_SIZE,
    STALLED,
    STALLED_05,
    SYNC_ERRORS,
    SYNC_WINDOW,
    USED,
    VALIDATIONS,
    WAL_SIZE,
    stalled_rule,
    stalled_rule_05,
)
from compiler.tools.litestream.names import RESTORE
from compiler.tools.litestream.resolve import Database, ServiceLitestream, resolve
from compiler.tools.litestream.settings import CLEANUP_NAMESPACE

# The cleanup Job's activeDeadlineSeconds (cleanup.py): how long one run may take.
CLEANUP_DEADLINE = 3600
MISSING_FOR = 900
MISSING = AlertKind(
    "LitestreamMissing",
    "Litestream",
    "A declared SQLite database has no Litestream series: the sidecar is not running, not "
    "scraped, or replicates another path.",
    'absent(litestream_db_size{namespace="<namespace>",job="<namespace>/<app>-litestream",'
    'db="<path>"})',
    (DB_SIZE,),
    "15m (a rollout restarts the sidecar)",
    labels_used=USED,
)
SYNC_FAILED = AlertKind(
    "LitestreamSyncErrors",
    "Litestream",
    "Litestream failed to copy a database's WAL into its local shadow WAL within the last 15 "
    "minutes. Failed replica uploads are not counted here (see LitestreamReplicaStalled).",
    'increase(litestream_sync_error_count{namespace="<namespace>",'
    'job="<namespace>/<app>-litestream",db="<path>"}[15m]) > 0',
    (SYNC_ERRORS,),
    "0s: a failed sync is an event",
    labels_used=USED,
)
INVALID = AlertKind(
    "LitestreamValidationFailed",
    "Litestream",
    "A 0.3 replica failed validation (restored copy differs): only with validationInterval.",
    'increase(litestream_replica_validation_total{namespace="<namespace>",'
    'job="<namespace>/<app>-litestream",db="<path>",status="error"}'
    "[max(2*<validationInterval>, 15m)]) > 0",
    (VALIDATIONS,),
    "0s: a failed validation is an event",
    labels_used=(*USED, "status"),
)
INIT_RESTARTS = Metric(
    "kube_pod_init_container_status_restarts_total",
    "counter",
    ("namespace", "pod", "container"),
    "kubernetes/kube-state-metrics@v2.20.0:internal/store/pod.go "
    "(kube_pod_init_container_status_restarts_total)",
)
RESTORE_FAILING = AlertKind(
    "LitestreamRestoreFailing",
    "Litestream",
    "The restore init container of a pod failed (the replica is unreachable, or the restore "
    "ran past restoreTimeout): the pod does not start, rather than start on an empty "
    "database.",
    'increase(kube_pod_init_container_status_restarts_total{namespace="<namespace>",'
    'pod=~"<workload>-.+",container=~"litestream-restore(-[0-9]+)?"}[15m]) > 0',
    (INIT_RESTARTS,),
    "0s: a failed restore is an event (the kubelet retries with back-off)",
    labels_used=("namespace", "pod", "container"),
)
KINDS = (MISSING, SYNC_FAILED, STALLED, STALLED_05, INVALID, RESTORE_FAILING, *CRONJOB_KINDS)
WAL = Panel(
    "Litestream WAL size",
    "Size of each database's WAL file: it grows while Litestream cannot checkpoint.",
    "bytes",
    "timeseries",
    40,
)
SYNC = Panel(
    "Litestream sync errors (15m)",
    "Failed local WAL syncs of each database over the last 15 minutes (a failed replica "
    "upload is not one: see LitestreamReplicaStalled).",
    "short",
    "timeseries",
    35,
)


def scrape_job(namespace: str, app: str) -> str:
    """The job label Prometheus gives the PodMonitor ``<app>-litestream`` (inject.py)."""
    return f"{namespace}/{app}-litestream"


def _validation_rule(spec: ServiceLitestream, where: dict[str, str], subject: Subject) -> AlertRule:
    assert spec.timing.validation_interval is not None
    window = duration(max(2 * spec.timing.validation_interval, SYNC_WINDOW))
    errors = selector(VALIDATIONS.name, **where, status="error")
    return subject.rule(
        INVALID,
        f"increase({errors}[{window}]) > 0",
        0,
        f"Litestream replica of {spec.key} {where['db']} failed validation",
        "A restore of the replica did not match the database: the replica is unusable.",
    )


def _db_rules(spec: ServiceLitestream, service: EffectiveService, db: Database) -> list[AlertRule]:
    path = db.path
    where = {"namespace": spec.namespace, "job": scrape_job(spec.namespace, spec.name), "db": path}
    labels = {
        "namespace": spec.namespace,
        "backup_policy_service": service.key,
        "backup_policy_item": f"sqlite:{path}",
    }
    subject = Subject(severity(service.classification), service_runbook(service), labels)
    what = f"Litestream of {service.key} {path}"
    rules = [
        subject.rule(
            MISSING,
            f"absent({selector(DB_SIZE.name, **where)})",
            MISSING_FOR,
            f"{what} is not replicating",
            f"No Litestream series for {path}: the sidecar is missing or not scraped.",
        ),
        subject.rule(
            SYNC_FAILED,
            f"increase({selector(SYNC_ERRORS.name, **where)}[{duration(SYNC_WINDOW)}]) > 0",
            0,
            f"{what} fails to sync its local WAL",
            "Litestream could not copy the database's WAL into its shadow WAL in the last 15 "
            "minutes (a local sync error, not a replica upload); see the sidecar's log.",
        ),
    ]
    if spec.version == "0.3":
        rules += [stalled_rule(spec, where, subject, r.target) for r in db.replicas]
    else:
        rules.append(stalled_rule_05(spec, where, subject))
    if spec.version == "0.3" and spec.timing.validation_interval is not None:
        rules.append(_validation_rule(spec, where, subject))
    return rules


def _restore_rule(spec: ServiceLitestream, service: EffectiveService) -> AlertRule:
    _, workload = rendered_target(service.source.policy.spec.workload)
    restarts = selector(
        INIT_RESTARTS.name,
        namespace=spec.namespace,
        pod=Regex(f"{one_of([workload])}-.+"),  # the workload's pods
        container=Regex(f"{RESTORE}(-[0-9]+)?"),
    )
    labels = {"namespace": spec.namespace, "backup_policy_service": service.key}
    subject = Subject(severity(service.classification), service_runbook(service), labels)
    return subject.rule(
        RESTORE_FAILING,
        f"sum by (namespace, pod) (increase({restarts}[{duration(SYNC_WINDOW)}])) > 0",
        0,
        f"Litestream restore of {service.key} fails: the pod does not start",
        "The restore init container exited non-zero (replica unreachable or restoreTimeout "
        "passed); see its log. The pod waits rather than start on an empty database.",
    )


def alerts(context: PlanContext, service: EffectiveService) -> Iterator[AlertRule]:
    spec = resolve(context.analysis.policies.cluster.policy.spec, service)
    if spec is None:
        return
    for db in spec.databases:
        yield from _db_rules(spec, service, db)
    yield _restore_rule(spec, service)


def _cleanups(context: PlanContext) -> list[CronJobWatch]:
    """The generated cleanup CronJobs (the targets ``cleanup.shared_folder`` writes one for)."""
    analysis = context.analysis
    cluster = analysis.policies.cluster.policy.spec
    namespace = CLEANUP_NAMESPACE.of(cluster.namespaces)
    return [
        CronJobWatch(
            namespace,
            job_name(target),
            cron.max_gap_seconds(analysis.schedules.cron_for(seed(target))),
            CLEANUP_DEADLINE,
            MAINTENANCE_SEVERITY,
            runbook_url("litestream", "cleanup", target),
            f"Litestream generation cleanup of target {target}",
        )
        for target in declared_paths(analysis)
        if seed(target) in analysis.schedules.resolved
        and isinstance(cluster.targets.get(target), S3Target)
    ]


def shared_alerts(context: PlanContext) -> Iterator[SharedAlerts]:
    """The cleanup CronJobs' rules, beside them (only where cleanup CronJobs exist)."""
    watches = _cleanups(context)
    if watches:
        rules = tuple(rule for watch in watches for rule in cronjob_alerts(watch))
        namespace = watches[0].namespace
        yield SharedAlerts(CLEANUP_DIR, namespace, "backup-policy-litestream-cleanup", rules)


def panels(context: PlanContext) -> Iterator[PanelQuery]:
    cluster = context.analysis.policies.cluster.policy.spec
    jobs = {
        scrape_job(service.namespace, service.name)
        for service in context.analysis.services
        if resolve(cluster, service) is not None
    }
    if jobs:
        scraped = one_of(jobs)
        errors = selector(SYNC_ERRORS.name, job=scraped)
        yield PanelQuery(SYNC, f"sum by (job, db) (increase({errors}[15m]))", "{{job}} {{db}}")
        yield PanelQuery(WAL, selector(WAL_SIZE.name, job=scraped), "{{job}} {{db}}")
    for watch in [*_cleanups(context), *verify.watches(context)]:
        last = selector(
            "kube_cronjob_status_last_successful_time",
            namespace=watch.namespace,
            cronjob=watch.name,
        )
        yield PanelQuery(STALE_RATIO, f"(time() - {last}) / {watch.gap}", "{{cronjob}} (CronJob)")
        owned = selector("kube_job_owner", namespace=watch.namespace, owner_name=watch.name)
        failed = selector("kube_job_status_failed", namespace=watch.namespace)
        expr = f"count by (namespace) (({failed} > 0) and on (namespace, job_name) {owned})"
        yield PanelQuery(FAILURES, expr, f"{watch.name} failed Jobs")
