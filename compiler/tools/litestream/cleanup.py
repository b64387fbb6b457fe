"""Generation cleanup for Litestream 0.3 replicas: one CronJob per S3 target (SPEC §4).

The script is ``templates/litestream/cleanup.sh`` (shipped in a ConfigMap, Flux-escaped). Its
environment contract: ``RCLONE_REMOTE`` plus ``RCLONE_CONFIG_<REMOTE>_*`` configure rclone,
``BUCKET``, ``RETENTION_SECONDS``, and ``DECLARED_PATHS`` (one replica path a line, every
declared 0.3 database on the target). Paths no policy declares are only reported. The image
is the cluster policy's ``spec.images`` role ``litestream-cleanup`` (rclone with ``/bin/sh``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from compiler.analyse import Analysis, Job, Scope
from compiler.model.cluster import S3Target
from compiler.plan import OutputFile, PlanContext, SharedFolder
from compiler.plan.k8s import env_secret, env_value, managed, metadata
from compiler.tools.litestream.resolve import resolve, service_version
from compiler.tools.litestream.settings import CLEANUP_NAMESPACE, CLUSTER, LitestreamSettings

CLEANUP_DIR = "kubernetes/apps/storage/litestream-cleanup"
SCRIPT_CONFIG_MAP = "litestream-cleanup-script"
SCRIPT_FILE = "cleanup-script.yaml"
REMOTE = "s3"
_MAX_CRONJOB_NAME = 52
LABELS = managed(**{"app.kubernetes.io/name": "litestream-cleanup"})
Doc = dict[str, Any]


def script_text() -> str:
    """The cleanup script (text by nature; shipped with the package as ``templates/``)."""
    packaged = Path(__file__).resolve().parents[2] / "templates"
    root = packaged if packaged.is_dir() else Path(__file__).resolve().parents[3] / "templates"
    return (root / "litestream" / "cleanup.sh").read_text(encoding="utf-8")


def seed(target: str) -> str:
    return f"litestream-cleanup/{target}"


def _settings(scope: Scope) -> LitestreamSettings | None:
    settings = CLUSTER.of(scope.cluster)
    return settings if settings is not None and settings.cleanup.enabled else None


def targets_of_03(scope: Scope) -> list[str]:
    """S3 targets that receive at least one Litestream 0.3 replica."""
    settings = CLUSTER.of(scope.cluster)
    found: set[str] = set()
    for service in scope.services:
        if settings is None or service_version(scope.cluster, service) != "0.3":
            continue
        for db in service.source.policy.spec.sqlite:
            found.update(db.targets or settings.targets)
    return sorted(found)


def jobs(scope: Scope) -> Iterator[Job]:
    settings = _settings(scope)
    for target in targets_of_03(scope) if settings is not None else ():
        assert settings is not None
        yield Job(seed(target), f"s3:{target}", "light", settings.cleanup.schedule)


def declared_paths(analysis: Analysis) -> dict[str, dict[str, set[str]]]:
    """Target -> replica path -> the policy files declaring it (0.3 databases only)."""
    cluster = analysis.policies.cluster.policy.spec
    found: dict[str, dict[str, set[str]]] = {}
    for service in analysis.services:
        spec = resolve(cluster, service)
        if spec is None or spec.version != "0.3":
            continue
        for replica in (r for db in spec.databases for r in db.replicas):
            paths = found.setdefault(replica.target, {})
            paths.setdefault(replica.path, set()).add(service.source.file)
    return {target: found[target] for target in sorted(found)}


def job_name(target: str) -> str:
    """``litestream-cleanup-<target>``, shortened with a hash to CronJob's 52 characters."""
    name = f"litestream-cleanup-{target}"
    if len(name) <= _MAX_CRONJOB_NAME:
        return name
    digest = hashlib.sha256(target.encode()).hexdigest()[:8]
    return f"{name[: _MAX_CRONJOB_NAME - 9].rstrip('-')}-{digest}"


def _env(target: S3Target, paths: list[str], retention: int) -> list[Doc]:
    prefix = f"RCLONE_CONFIG_{REMOTE.upper()}_"
    creds = target.credentials_secret
    return [
        env_value("RCLONE_REMOTE", REMOTE),
        env_value(prefix + "TYPE", "s3"),
        env_value(prefix + "PROVIDER", "Other"),
        env_value(prefix + "ENDPOINT", target.endpoint),
        env_value(prefix + "REGION", target.region),
        env_value(prefix + "FORCE_PATH_STYLE", "true"),
        env_secret(prefix + "ACCESS_KEY_ID", creds.name, creds.access_key_id_key),
        env_secret(prefix + "SECRET_ACCESS_KEY", creds.name, creds.secret_access_key_key),
        env_value("BUCKET", target.bucket),
        env_value("RETENTION_SECONDS", str(retention)),
        env_value("DECLARED_PATHS", "\n".join(paths)),
        env_value("HOME", "/tmp"),
    ]


def _container(target: S3Target, paths: list[str], retention: int, image: str) -> Doc:
    return {
        "name": "cleanup",
        "image": image,
        "command": ["/bin/sh", "/scripts/cleanup.sh"],
        "env": _env(target, paths, retention),
        "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"memory": "256Mi"}},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [
            {"name": "script", "mountPath": "/scripts", "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }


def _cronjob(context: PlanContext, name: str, target: S3Target, paths: list[str]) -> Doc:
    analysis = context.analysis
    cluster = analysis.policies.cluster.policy.spec
    settings = CLUSTER.of(cluster)
    assert settings is not None
    image = cluster.images.litestream_cleanup
    pod = {
        "restartPolicy": "Never",
        "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "runAsGroup": 65534},
        "containers": [_container(target, paths, settings.cleanup.retention, image.reference)],
        "volumes": [
            {"name": "script", "configMap": {"name": SCRIPT_CONFIG_MAP}},
            {"name": "tmp", "emptyDir": {}},
        ],
    }
    job: Doc = {"backoffLimit": 0, "activeDeadlineSeconds": 3600}
    job["template"] = {"metadata": {"labels": dict(sorted(LABELS.items()))}, "spec": pod}
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": metadata(job_name(name), CLEANUP_NAMESPACE.of(cluster.namespaces), LABELS),
        "spec": {
            "schedule": analysis.schedules.cron_for(seed(name)),
            "timeZone": cluster.timezone,
            "concurrencyPolicy": "Forbid",
            "successfulJobsHistoryLimit": 1,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {"spec": job},
        },
    }


def _script(context: PlanContext) -> OutputFile:
    cluster = context.analysis.policies.cluster.policy.spec
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(SCRIPT_CONFIG_MAP, CLEANUP_NAMESPACE.of(cluster.namespaces), LABELS),
        "data": {"cleanup.sh": script_text()},
    }
    return OutputFile(f"{CLEANUP_DIR}/{SCRIPT_FILE}", (context.cluster_file,), (config_map,))


def shared_folder(context: PlanContext) -> Iterator[SharedFolder]:
    """CronJobs and the script ConfigMap (nothing without 0.3 databases)."""
    if _settings(context.analysis.scope) is None:
        return
    targets = context.analysis.policies.cluster.policy.spec.targets
    files = []
    for name, paths in declared_paths(context.analysis).items():
        target = targets.get(name)
        if not isinstance(target, S3Target):
            continue  # reported by rules
        users = sorted({f for files in paths.values() for f in files})
        document = _cronjob(context, name, target, sorted(paths))
        path = f"{CLEANUP_DIR}/cleanup-{name}.yaml"
        files.append(OutputFile(path, (context.cluster_file, *users), (document,)))
    if files:
        yield SharedFolder(CLEANUP_DIR, (*files, _script(context)))
