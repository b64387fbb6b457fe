"""Generation cleanup for Litestream 0.3 replicas: one CronJob per S3 target (SPEC §4).

The script is ``templates/litestream/cleanup.sh`` (shipped in a ConfigMap, Flux-escaped). Its
environment contract: ``RCLONE_REMOTE`` plus ``RCLONE_CONFIG_<REMOTE>_*`` configure rclone,
``BUCKET``, ``RETENTION_SECONDS``, and ``DECLARED_PATHS`` (newline-separated replica paths of
every declared 0.3 database on the target). Paths no policy declares are only reported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from compiler.analyse.jobs import cleanup_seed
from compiler.litestream import CLEANUP_IMAGE
from compiler.litestream.objects import CleanupJob, ConfigMap, EnvVar
from compiler.litestream.resolve import resolve
from compiler.model.cluster import S3Target
from compiler.plan import MANAGED_BY, PlannedFile
from compiler.plan.objects import ResourceList, SecretRef
from compiler.render import templates_dir

if TYPE_CHECKING:
    from compiler.analyse import Analysis

CLEANUP_DIR = "kubernetes/apps/storage/litestream-cleanup"
SCRIPT_CONFIG_MAP = "litestream-cleanup-script"
SCRIPT_FILE = "cleanup-script.yaml"
REMOTE = "s3"
REQUESTS = (("cpu", "10m"), ("memory", "32Mi"))
LIMITS = (("memory", "256Mi"),)
_MAX_CRONJOB_NAME = 52
LABELS = tuple(sorted({**MANAGED_BY, "app.kubernetes.io/name": "litestream-cleanup"}.items()))


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


def _env(target: S3Target, paths: list[str], retention: int) -> tuple[EnvVar, ...]:
    prefix = f"RCLONE_CONFIG_{REMOTE.upper()}_"
    creds = target.credentials_secret
    return (
        EnvVar("RCLONE_REMOTE", REMOTE),
        EnvVar(prefix + "TYPE", "s3"),
        EnvVar(prefix + "PROVIDER", "Other"),
        EnvVar(prefix + "ENDPOINT", target.endpoint),
        EnvVar(prefix + "REGION", target.region),
        EnvVar(prefix + "FORCE_PATH_STYLE", "true"),
        EnvVar(prefix + "ACCESS_KEY_ID", secret=SecretRef(creds.name, creds.access_key_id_key)),
        EnvVar(
            prefix + "SECRET_ACCESS_KEY", secret=SecretRef(creds.name, creds.secret_access_key_key)
        ),
        EnvVar("BUCKET", target.bucket),
        EnvVar("RETENTION_SECONDS", str(retention)),
        EnvVar("DECLARED_PATHS", "\n".join(paths)),
        EnvVar("HOME", "/tmp"),
    )


def script_text() -> str:
    return (templates_dir() / "litestream" / "cleanup.sh").read_text(encoding="utf-8")


def _job(analysis: Analysis, target_name: str, target: S3Target, paths: list[str]) -> CleanupJob:
    cluster = analysis.policies.cluster.policy.spec
    assert cluster.litestream is not None
    return CleanupJob(
        job_name(target_name),
        cluster.namespaces.litestream_cleanup,
        LABELS,
        analysis.schedules.cron_for(cleanup_seed(target_name)),
        cluster.timezone,
        CLEANUP_IMAGE,
        SCRIPT_CONFIG_MAP,
        _env(target, paths, cluster.litestream.cleanup.retention),
        REQUESTS,
        LIMITS,
    )


def _shared_files(analysis: Analysis, jobs: list[str]) -> Iterator[PlannedFile]:
    """The script ConfigMap and the folder's Kustomization."""
    source = analysis.policies.cluster
    cluster = source.policy.spec
    script = ConfigMap(
        SCRIPT_CONFIG_MAP,
        cluster.namespaces.litestream_cleanup,
        LABELS,
        "cleanup.sh",
        script_text(),
        cluster.flux.substitution,
    )
    yield PlannedFile(
        f"{CLEANUP_DIR}/{SCRIPT_FILE}", "litestream/configmap.yaml.j2", (source.file,), script
    )
    yield PlannedFile(
        f"{CLEANUP_DIR}/kustomization.yaml",
        "kustomize/resources.yaml.j2",
        (source.file,),
        ResourceList(tuple(sorted([*jobs, SCRIPT_FILE]))),
    )


def plan_cleanup(analysis: Analysis) -> Iterator[PlannedFile]:
    """CronJobs, the script ConfigMap and their Kustomization (nothing without 0.3 DBs)."""
    cluster_source = analysis.policies.cluster
    cluster = cluster_source.policy.spec
    if cluster.litestream is None or not cluster.litestream.cleanup.enabled:
        return
    names = []
    for target_name, paths in declared_paths(analysis).items():
        target = cluster.targets.get(target_name)
        if not isinstance(target, S3Target):
            continue  # reported by rules
        users = sorted({f for files in paths.values() for f in files})
        names.append(f"cleanup-{target_name}.yaml")
        yield PlannedFile(
            f"{CLEANUP_DIR}/{names[-1]}",
            "litestream/cleanup-cronjob.yaml.j2",
            (cluster_source.file, *users),
            _job(analysis, target_name, target, sorted(paths)),
        )
    if names:
        yield from _shared_files(analysis, names)
