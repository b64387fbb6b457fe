"""Automated restore verification: per service whose class sets ``litestream.verify``, a
CronJob in the app's backup Component restores the latest state of every replica of each
database into an emptyDir and checks the copies (``templates/litestream/verify.sh.j2``).

The ``restore`` init container runs the sidecar's image with the sidecar's ConfigMap and
credentials (so 0.3 and 0.5 configs alike), the ``check`` container the cluster's
``restore-check`` image (``/bin/sh`` and ``sqlite3``): ``PRAGMA integrity_check`` and the
database's ``rowCheck`` (default: at least one table). A missing, unreadable, empty or
corrupt replica fails the Job; kube-state-metrics alerts (:mod:`compiler.plan.kube_jobs`)
report a failed, stale or never successful CronJob.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import Any

from msgspec import Struct

from compiler.analyse import Analysis, EffectiveService, Job, Routine, ScheduleBook, Scope
from compiler.core import cron
from compiler.core.templates import render_script
from compiler.plan import AlertRule, AppObject, PlanContext
from compiler.plan.alerts import service_runbook, severity
from compiler.plan.drills import dns_name
from compiler.plan.k8s import env_value, managed, metadata
from compiler.plan.kube_jobs import CronJobWatch, cronjob_alerts
from compiler.plan.smoke import RESOURCES, SECURITY
from compiler.tools.litestream.inject import credential_vars
from compiler.tools.litestream.names import CONFIG_KEY, CONFIG_PATH, config_map_name
from compiler.tools.litestream.resolve import ServiceLitestream, resolve
from compiler.tools.litestream.runtime import runtime
from compiler.tools.litestream.settings import CLASS, LitestreamVerify

Doc = dict[str, Any]
TEMPLATE = "litestream/verify.sh.j2"
SCRIPT_KEY = "verify.sh"
FILE = "litestream-verify.yaml"
ROOT = "/restore"
DEFAULT_QUERY = "SELECT count(*) FROM sqlite_master"
LABELS = {"app.kubernetes.io/name": "litestream-verify"}


class VerifiedCopy(Struct, frozen=True):
    """One restore and its check: the database, its copy under the emptyDir, the replica
    (0.3 names it; '' for 0.5's only one) and the row check."""

    database: str
    copy: str
    replica: str
    query: str
    min_rows: int

    @property
    def folder(self) -> str:
        return posixpath.dirname(self.copy)


def settings(service: EffectiveService) -> LitestreamVerify | None:
    block = CLASS.of(service.defaults)
    return block.verify if block is not None else None


def seed(service: EffectiveService) -> str:
    return f"litestream-verify/{service.key}"


def name(service: EffectiveService) -> str:
    """The CronJob (and script ConfigMap): ``<app>-litestream-verify``, at most 52."""
    return dns_name(service.name, "litestream-verify", limit=52)


def jobs(scope: Scope) -> Iterator[Job]:
    cluster = scope.cluster
    for service in scope.services:
        verify = settings(service)
        spec = resolve(cluster, service) if verify is not None else None
        if verify is None or spec is None or not spec.databases[0].replicas:
            continue
        target = f"s3:{spec.databases[0].replicas[0].target}"
        origin = ("spec", "classes", service.classification, "litestream", "verify")
        yield Job(seed(service), target, "light", verify.schedule, 1, (*origin, "schedule"))


def routines(scope: Scope, book: ScheduleBook) -> Iterator[tuple[str, Routine]]:
    """Per service, the restore verification's CronJob and, with 0.3, the sidecar's
    validation of each replica (``validation-interval``; 0.5 has none)."""
    for service in scope.services:
        spec = resolve(scope.cluster, service)
        if spec is None:
            continue
        if settings(service) is not None and spec.databases[0].replicas:
            gap = cron.max_gap_seconds(book.cron_for(seed(service)))
            yield service.key, Routine("litestream verify", gap, checks="litestream")
        interval = spec.timing.validation_interval
        if spec.version == "0.3" and interval is not None:
            yield service.key, Routine("litestream validation", interval, checks="litestream")


def copies(service: EffectiveService, spec: ServiceLitestream) -> list[VerifiedCopy]:
    found = []
    policy = service.source.policy.spec.sqlite
    for db in spec.databases:
        check = policy[db.index].row_check
        query, least = (check.query, check.min_rows) if check is not None else (DEFAULT_QUERY, 1)
        for replica in db.replicas:
            copy = f"{replica.target}/{db.index}-{posixpath.basename(db.path)}"
            named = replica.target if spec.version == "0.3" else ""
            found.append(VerifiedCopy(db.path, copy, named, query, least))
    return found


def script(service: EffectiveService, spec: ServiceLitestream) -> str:
    return render_script(TEMPLATE, service=service.key, copies=copies(service, spec))


def _mounts(*extra: Doc) -> list[Doc]:
    return [
        {"name": "restore", "mountPath": ROOT},
        {"name": "script", "mountPath": "/scripts", "readOnly": True},
        {"name": "tmp", "mountPath": "/tmp"},
        *extra,
    ]


def _container(name: str, image: str, phase: str, env: list[Doc], mounts: list[Doc]) -> Doc:
    return {
        "name": name,
        "image": image,
        "command": ["/bin/sh", f"/scripts/{SCRIPT_KEY}", phase],
        "env": [env_value("VERIFY_ROOT", ROOT), *env],
        "resources": RESOURCES,
        "securityContext": SECURITY,
        "volumeMounts": mounts,
    }


def _pod(context: PlanContext, service: EffectiveService, spec: ServiceLitestream) -> Doc:
    cluster = context.analysis.policies.cluster.policy.spec
    image = runtime(cluster, service, spec).image
    config = {"name": "config", "mountPath": CONFIG_PATH, "subPath": CONFIG_KEY, "readOnly": True}
    restore_env = [env_value("LITESTREAM_CONFIG", CONFIG_PATH), *credential_vars(spec)]
    check_image = cluster.images.restore_check.reference
    return {
        "restartPolicy": "Never",
        "initContainers": [_container("restore", image, "restore", restore_env, _mounts(config))],
        "containers": [_container("check", check_image, "check", [], _mounts())],
        "volumes": [
            {"name": "restore", "emptyDir": {}},
            {"name": "script", "configMap": {"name": name(service)}},
            {"name": "config", "configMap": {"name": config_map_name(spec.name)}},
            {"name": "tmp", "emptyDir": {}},
        ],
    }


def _cronjob(context: PlanContext, service: EffectiveService, spec: ServiceLitestream) -> Doc:
    verify = settings(service)
    assert verify is not None
    analysis = context.analysis
    labels = managed(**LABELS)
    template = {"metadata": {"labels": dict(sorted(labels.items()))}}
    job: Doc = {"backoffLimit": 0, "activeDeadlineSeconds": verify.deadline}
    job["template"] = {**template, "spec": _pod(context, service, spec)}
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": metadata(name(service), service.namespace, labels),
        "spec": {
            "schedule": analysis.schedules.cron_for(seed(service)),
            "timeZone": analysis.policies.cluster.policy.spec.timezone,
            "concurrencyPolicy": "Forbid",
            "successfulJobsHistoryLimit": 1,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {"spec": job},
        },
    }


def _verified(analysis: Analysis, service: EffectiveService) -> ServiceLitestream | None:
    spec = resolve(analysis.policies.cluster.policy.spec, service)
    if (
        settings(service) is None
        or spec is None
        or seed(service) not in analysis.schedules.resolved
    ):
        return None
    return spec


def objects(context: PlanContext, service: EffectiveService) -> tuple[AppObject, ...]:
    """The CronJob and its script's ConfigMap (none unless the class asks for them)."""
    spec = _verified(context.analysis, service)
    if spec is None:
        return ()
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(name(service), service.namespace, managed(**LABELS)),
        "data": {SCRIPT_KEY: script(service, spec)},
    }
    return (AppObject(FILE, (config_map, _cronjob(context, service, spec))),)


def watch(context: PlanContext, service: EffectiveService) -> CronJobWatch | None:
    """The service's verification CronJob as the kube-state-metrics alerts see it."""
    verify = settings(service)
    if verify is None or _verified(context.analysis, service) is None:
        return None
    expr = context.analysis.schedules.cron_for(seed(service))
    return CronJobWatch(
        service.namespace,
        name(service),
        cron.max_gap_seconds(expr),
        verify.deadline,
        severity(service.classification),
        service_runbook(service),
        f"Litestream restore verification of {service.key}",
        (("backup_policy_service", service.key),),
    )


def watches(context: PlanContext) -> list[CronJobWatch]:
    found = (watch(context, service) for service in context.analysis.services)
    return [w for w in found if w is not None]


def alerts(context: PlanContext, service: EffectiveService) -> list[AlertRule]:
    """Failed, stale and never-succeeded alerts of the service's verification CronJob."""
    found = watch(context, service)
    return cronjob_alerts(found) if found is not None else []
