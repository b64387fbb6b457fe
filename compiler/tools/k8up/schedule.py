"""The K8up ``Schedule`` of one service, or of a namespace's services of one class
(``k8up.scope: namespace``): backup, check and prune of its restic repository."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from msgspec import Struct

from compiler.analyse import EffectiveService, ScheduleBook
from compiler.model.cluster import ClusterSpec, S3Target
from compiler.model.targets import SecretKeys
from compiler.plan import SERVICE_LABEL
from compiler.plan.k8s import managed, metadata, s3_key_refs, secret_ref
from compiler.tools.k8up.settings import SETTINGS, K8upSettings

# Namespace Schedules live in one shared folder that Flux applies (with a dependency on the
# K8up operator), not in one of the apps: no app's removal, rename or suspension moves or
# stops the backups of the others.
FOLDER = "kubernetes/apps/storage/k8up/schedules"


def _settings(service: EffectiveService) -> K8upSettings | None:
    return SETTINGS.of(service.defaults) if "k8up" in service.methods else None


def _per_namespace(service: EffectiveService) -> bool:
    settings = SETTINGS.of(service.defaults)
    return settings is not None and settings.scope == "namespace"


def group_key(service: EffectiveService) -> str:
    """The key of the Schedule that backs the service up: its own, or its namespace's."""
    if _per_namespace(service):
        return f"{service.namespace}/class:{service.classification}"
    return service.key


def seed(service: EffectiveService, job: str) -> str:
    return f"k8up/{group_key(service)}/{job}"


def tag(service: EffectiveService) -> str:
    """The restic tag of the Schedule's snapshots (backup and prune select by it)."""
    if _per_namespace(service):
        return f"{service.namespace}.{service.classification}"
    return f"{service.namespace}-{service.name}"


class Group(Struct, frozen=True):
    """The services one Schedule backs up (one, or a namespace's of one class)."""

    services: tuple[EffectiveService, ...]
    settings: K8upSettings

    @property
    def first(self) -> EffectiveService:
        return self.services[0]

    @property
    def shared(self) -> bool:
        return self.settings.scope == "namespace"

    @property
    def name(self) -> str:
        first = self.first
        return f"bp-namespace-{first.classification}" if self.shared else f"bp-{first.name}"

    @property
    def subject(self) -> str:
        """How messages name the Schedule: its service, or its namespace and name."""
        return f"{self.first.namespace}/{self.name}" if self.shared else self.first.key

    @property
    def origin(self) -> tuple[str, ...]:
        return ("spec", "classes", self.first.classification, "k8up")


def groups(services: Iterable[EffectiveService]) -> list[Group]:
    """Every K8up Schedule with the services it backs up, by seed."""
    found: dict[str, tuple[list[EffectiveService], K8upSettings]] = {}
    for service in services:
        settings = _settings(service)
        if settings is not None:
            found.setdefault(group_key(service), ([], settings))[0].append(service)
    return [
        Group(tuple(sorted(members, key=lambda s: s.key)), settings)
        for _, (members, settings) in sorted(found.items())
    ]


def secrets(group: Group, cluster: ClusterSpec) -> dict[SecretKeys, list[EffectiveService]]:
    """Each credentials Secret the Schedule's services reach its target with (their own
    ``spec.credentials``, else the target's), with the services that use it."""
    found: dict[SecretKeys, list[EffectiveService]] = {}
    for service in group.services:
        target = service.s3_target(cluster, group.settings.target)
        if target is not None:
            found.setdefault(target.credentials_secret, []).append(service)
    return found


def group_target(group: Group, cluster: ClusterSpec) -> S3Target:
    """The target as the Schedule's services reach it: with the one credentials Secret
    they all use. One Schedule has one backend, so when they use several (BP343 refuses
    that) it keeps the target's own."""
    target = cluster.targets[group.settings.target]
    assert isinstance(target, S3Target)  # BP300/BP301 refuse anything else
    found = secrets(group, cluster)
    if len(found) != 1:
        return target
    return target.model_copy(update={"credentials_secret": next(iter(found))})


def backend(target: S3Target) -> dict[str, Any]:
    """The restic repository on ``target``: its S3 bucket and the Secrets that open it."""
    assert target.repo_password_secret is not None  # BP330 refuses a target without one
    access_key, secret_key = s3_key_refs(target)
    password = target.repo_password_secret
    return {
        "repoPasswordSecretRef": secret_ref(password.name, password.key),
        "s3": {
            "endpoint": target.endpoint,
            "bucket": target.bucket,
            "accessKeyIDSecretRef": access_key,
            "secretAccessKeySecretRef": secret_key,
        },
    }


def _selector(group: Group) -> dict[str, Any]:
    names = [service.name for service in group.services]
    if not group.shared:
        return {"matchLabels": {SERVICE_LABEL: names[0]}}
    return {"matchExpressions": [{"key": SERVICE_LABEL, "operator": "In", "values": names}]}


def schedule(group: Group, target: S3Target, book: ScheduleBook) -> dict[str, Any]:
    """K8up backs up the PVCs that carry the services' label, into the target's repository."""
    settings, first = group.settings, group.first
    retention = settings.retention.model_dump(by_alias=True, exclude_none=True)
    labels = managed() if group.shared else managed(**{SERVICE_LABEL: first.name})
    return {
        "apiVersion": "k8up.io/v1",
        "kind": "Schedule",
        "metadata": metadata(group.name, first.namespace, labels),
        "spec": {
            "backend": backend(target),
            "successfulJobsHistoryLimit": settings.successful_jobs_history_limit,
            "failedJobsHistoryLimit": settings.failed_jobs_history_limit,
            "backup": {
                "schedule": book.cron_for(seed(first, "backup")),
                "labelSelectors": [_selector(group)],
                "tags": [tag(first)],
            },
            "check": {"schedule": book.cron_for(seed(first, "check"))},
            "prune": {
                "schedule": book.cron_for(seed(first, "prune")),
                "retention": {**retention, "tags": [tag(first)]},
            },
        },
    }
