"""The scheduled jobs the policies ask for, with stable seeds, before spreading."""

from __future__ import annotations

from collections.abc import Iterable

from compiler.analyse.effective import EffectiveService
from compiler.analyse.schedule import Job
from compiler.litestream import service_version
from compiler.model.cluster import ClusterSpec, LonghornSettings
from compiler.model.types import Classification

_PRECEDENCE = {"critical": 0, "important": 1, "best-effort": 2}


def k8up_seed(service: EffectiveService, job: str) -> str:
    return f"k8up/{service.key}/{job}"


def longhorn_seed(classification: str, task: str) -> str:
    return f"longhorn/{classification}/{task}"


def velero_seed(namespace: str) -> str:
    return f"velero/{namespace}"


def cleanup_seed(target: str) -> str:
    return f"litestream-cleanup/{target}"


def longhorn_classes(
    services: Iterable[EffectiveService],
) -> dict[Classification, LonghornSettings]:
    """Classes that have at least one Longhorn-protected service, with their settings."""
    out: dict[Classification, LonghornSettings] = {}
    for service in services:
        settings = service.defaults.longhorn
        if "longhorn" in service.methods and settings is not None:
            out[service.source.policy.spec.classification] = settings
    return dict(sorted(out.items()))


def velero_namespaces(services: Iterable[EffectiveService]) -> dict[str, EffectiveService]:
    """Per namespace, the Velero-protected service whose class is strictest (smallest RPO)."""
    chosen: dict[str, EffectiveService] = {}
    for service in services:
        if "velero" not in service.methods or service.defaults.velero is None:
            continue
        current = chosen.get(service.namespace)
        rank = (service.rpo, _PRECEDENCE[service.source.policy.spec.classification], service.key)
        if current is None or rank < (
            current.rpo,
            _PRECEDENCE[current.source.policy.spec.classification],
            current.key,
        ):
            chosen[service.namespace] = service
    return dict(sorted(chosen.items()))


def litestream_targets(
    cluster: ClusterSpec, services: Iterable[EffectiveService], version: str | None = None
) -> list[str]:
    """S3 targets that receive at least one Litestream replica (of ``version``, if given)."""
    if cluster.litestream is None:
        return []
    targets: set[str] = set()
    for service in services:
        if version is not None and service_version(cluster, service) != version:
            continue
        for db in service.source.policy.spec.sqlite:
            targets.update(db.targets or cluster.litestream.targets)
    return sorted(targets)


def collect_jobs(cluster: ClusterSpec, services: list[EffectiveService]) -> list[Job]:
    """Every job with its spreading seed and the target whose load it shares."""
    jobs: list[Job] = []
    for service in services:
        k8up = service.defaults.k8up
        if "k8up" in service.methods and k8up is not None:
            window = max(k8up.window // 60, 1)
            target = f"s3:{k8up.target}"
            origin = ("spec", "classes", service.source.policy.spec.classification, "k8up")
            jobs.append(
                Job(
                    k8up_seed(service, "backup"),
                    target,
                    "backup",
                    k8up.backup,
                    window,
                    (*origin, "backup"),
                )
            )
            for name, expr in (("check", k8up.check), ("prune", k8up.prune)):
                jobs.append(
                    Job(
                        k8up_seed(service, name),
                        target,
                        "maintenance",
                        expr,
                        window,
                        (*origin, name),
                    )
                )
    for classification, lh in longhorn_classes(services).items():
        target = f"longhorn:{lh.target}"
        if lh.snapshot is not None:
            jobs.append(
                Job(
                    longhorn_seed(classification, "snapshot"), target, "light", lh.snapshot.schedule
                )
            )
        if lh.backup is not None:
            jobs.append(
                Job(
                    longhorn_seed(classification, "backup"),
                    target,
                    "backup",
                    lh.backup.schedule,
                    1,
                    ("spec", "classes", classification, "longhorn", "backup", "schedule"),
                )
            )
    for namespace, service in velero_namespaces(services).items():
        velero = service.defaults.velero
        assert velero is not None  # velero_namespaces only returns configured ones
        classification = service.source.policy.spec.classification
        jobs.append(
            Job(
                velero_seed(namespace),
                f"velero:{velero.target}",
                "backup",
                velero.schedule,
                1,
                ("spec", "classes", classification, "velero", "schedule"),
            )
        )
    if cluster.litestream is not None and cluster.litestream.cleanup.enabled:
        for target in litestream_targets(cluster, services, "0.3"):
            jobs.append(
                Job(
                    cleanup_seed(target),
                    f"s3:{target}",
                    "light",
                    cluster.litestream.cleanup.schedule,
                )
            )
    return jobs
