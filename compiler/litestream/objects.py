"""Resolved values for the Litestream templates: every field final, nothing to compute."""

from __future__ import annotations

from dataclasses import dataclass

from compiler.plan.objects import SecretRef

Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class EnvVar:
    """A literal value, or (``secret`` set) a secretKeyRef."""

    name: str
    value: str = ""
    secret: SecretRef | None = None


@dataclass(frozen=True)
class Mount:
    name: str
    path: str
    sub_path: str = ""
    read_only: bool = False


@dataclass(frozen=True)
class Container:
    name: str
    image: str
    args: tuple[str, ...]
    env: tuple[EnvVar, ...]
    mounts: tuple[Mount, ...]
    requests: Pairs
    limits: Pairs
    port_name: str = ""
    port: int = 0


@dataclass(frozen=True)
class PodPatch:
    """A strategic-merge patch adding Litestream to a Deployment/StatefulSet pod template."""

    kind: str
    name: str
    labels: Pairs
    annotations: Pairs
    init_containers: tuple[Container, ...]
    containers: tuple[Container, ...]
    config_volume: str
    config_map: str


@dataclass(frozen=True)
class HelmReleasePatch:
    """A Flux post-renderer applying the pod patch to the chart's output.

    Creating the list is a strategic merge (it sets ``spec.postRenderers``); appending to a
    user's list is a JSON6902 ``add`` to ``/spec/postRenderers/-`` (a strategic merge would
    replace the list, JSON6902 append fails when there is none).
    """

    release: str
    append: bool
    target_kind: str
    target_name: str


@dataclass(frozen=True)
class ConfigMap:
    name: str
    namespace: str
    labels: Pairs
    key: str
    text: str
    flux: bool


@dataclass(frozen=True)
class PodMonitor:
    name: str
    namespace: str
    labels: Pairs
    selector: Pairs
    port_name: str


@dataclass(frozen=True)
class CleanupJob:
    """One generation-cleanup CronJob (one per S3 target with Litestream 0.3 replicas)."""

    name: str
    namespace: str
    labels: Pairs
    schedule: str
    time_zone: str
    image: str
    script_config_map: str
    env: tuple[EnvVar, ...]
    requests: Pairs
    limits: Pairs
