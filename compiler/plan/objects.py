"""Resolved objects handed to templates: every value final, nothing left to compute."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SecretRef:
    name: str
    key: str


@dataclass(frozen=True)
class K8upSchedule:
    name: str
    namespace: str
    service: str
    endpoint: str
    bucket: str
    access_key: SecretRef
    secret_key: SecretRef
    repo_password: SecretRef
    backup: str
    check: str
    prune: str
    retention: tuple[tuple[str, int], ...]
    successful_history: int
    failed_history: int
    labels: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PvcPatch:
    """Labels added to an app's PersistentVolumeClaim by the Component."""

    claim: str
    labels: tuple[tuple[str, str], ...]
    file: str


@dataclass(frozen=True)
class Patch:
    """A Component patch: a file and the object it targets."""

    path: str
    kind: str
    name: str
    group: str = ""
    version: str = ""


@dataclass(frozen=True)
class Component:
    resources: tuple[str, ...]
    patches: tuple[Patch, ...]


@dataclass(frozen=True)
class RecurringJob:
    name: str
    namespace: str
    task: str
    cron: str
    retain: int
    concurrency: int
    group: str
    labels: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class VeleroSchedule:
    name: str
    namespace: str
    schedule: str
    included_namespaces: tuple[str, ...]
    storage_location: str
    ttl: str
    snapshot_volumes: bool
    skip_immediately: bool
    labels: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ResourceList:
    """A plain Kustomization listing generated resources (for shared storage folders)."""

    resources: tuple[str, ...] = field(default=())
