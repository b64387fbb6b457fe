"""Shared files under the storage apps: Longhorn RecurringJobs, Velero Schedules and the
Litestream generation cleanup."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.analyse import Analysis
from compiler.analyse.jobs import longhorn_classes, longhorn_seed, velero_namespaces, velero_seed
from compiler.durations import format_duration
from compiler.plan import MANAGED_BY, PlannedFile
from compiler.plan.apps import longhorn_group
from compiler.plan.objects import RecurringJob, ResourceList, VeleroSchedule

LONGHORN_DIR = "kubernetes/apps/storage/longhorn/recurring-jobs"
VELERO_DIR = "kubernetes/apps/storage/velero/schedules"


def _sources(analysis: Analysis, keys: set[str]) -> tuple[str, ...]:
    files = {s.source.file for s in analysis.services if s.key in keys}
    return (analysis.policies.cluster.file, *sorted(files))


def plan_longhorn(analysis: Analysis) -> Iterator[PlannedFile]:
    cluster = analysis.policies.cluster.policy.spec
    names = []
    for classification, settings in longhorn_classes(analysis.services).items():
        users = {
            s.key
            for s in analysis.services
            if "longhorn" in s.methods and s.source.policy.spec.classification == classification
        }
        for task, job in (("snapshot", settings.snapshot), ("backup", settings.backup)):
            if job is None:
                continue
            name = f"bp-{classification}-{task}"
            names.append(f"{name}.yaml")
            value = RecurringJob(
                name=name,
                namespace=cluster.namespaces.longhorn,
                task=task,
                cron=analysis.schedules.cron_for(longhorn_seed(classification, task)),
                retain=job.retain,
                concurrency=settings.concurrency,
                group=longhorn_group(classification),
                labels=tuple(sorted(MANAGED_BY.items())),
            )
            yield PlannedFile(
                f"{LONGHORN_DIR}/{name}.yaml",
                "longhorn/recurring-job.yaml.j2",
                _sources(analysis, users),
                value,
            )
    if names:
        yield PlannedFile(
            f"{LONGHORN_DIR}/kustomization.yaml",
            "kustomize/resources.yaml.j2",
            (analysis.policies.cluster.file,),
            ResourceList(tuple(sorted(names))),
        )


def plan_velero(analysis: Analysis) -> Iterator[PlannedFile]:
    cluster = analysis.policies.cluster.policy.spec
    names = []
    for namespace, representative in velero_namespaces(analysis.services).items():
        settings = representative.defaults.velero
        assert settings is not None
        target = cluster.targets[settings.target]
        users = {
            s.key for s in analysis.services if s.namespace == namespace and "velero" in s.methods
        }
        name = f"bp-{namespace}"
        names.append(f"{name}.yaml")
        value = VeleroSchedule(
            name=name,
            namespace=cluster.namespaces.velero,
            schedule=analysis.schedules.cron_for(velero_seed(namespace)),
            included_namespaces=(namespace,),
            storage_location=getattr(target, "name", "default"),
            ttl=format_duration(settings.ttl),
            snapshot_volumes=settings.snapshot_volumes,
            skip_immediately=settings.skip_immediately,
            labels=tuple(sorted(MANAGED_BY.items())),
        )
        yield PlannedFile(
            f"{VELERO_DIR}/{name}.yaml", "velero/schedule.yaml.j2", _sources(analysis, users), value
        )
    if names:
        yield PlannedFile(
            f"{VELERO_DIR}/kustomization.yaml",
            "kustomize/resources.yaml.j2",
            (analysis.policies.cluster.file,),
            ResourceList(tuple(sorted(names))),
        )


def plan_shared(analysis: Analysis) -> Iterator[PlannedFile]:
    from compiler.litestream.cleanup import plan_cleanup

    yield from plan_longhorn(analysis)
    yield from plan_velero(analysis)
    yield from plan_cleanup(analysis)
