"""What Litestream does for one service: databases, their replicas and the settings in force."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING

from compiler.litestream import Version, service_version
from compiler.model.cluster import ContainerResources, S3Target

if TYPE_CHECKING:
    from compiler.analyse.effective import EffectiveService
    from compiler.model.cluster import ClusterSpec


@dataclass(frozen=True, order=True)
class Credentials:
    """The Secret holding a target's S3 key pair, and the keys inside it."""

    secret: str
    access_key_id_key: str
    secret_access_key_key: str


@dataclass(frozen=True)
class Replica:
    target: str
    bucket: str
    path: str
    endpoint: str
    region: str
    credentials: Credentials


@dataclass(frozen=True)
class Database:
    index: int
    path: str
    volume: str
    mount_path: str
    replicas: tuple[Replica, ...]


@dataclass(frozen=True)
class Timing:
    """Durations in seconds, as the cluster policy sets them."""

    sync_interval: int
    snapshot_interval: int
    retention: int
    validation_interval: int | None


@dataclass(frozen=True)
class ServiceLitestream:
    """Everything the emitters and the injection need for one service."""

    key: str
    name: str
    namespace: str
    version: Version
    databases: tuple[Database, ...]
    timing: Timing
    metrics_port: int
    resources: ContainerResources

    @property
    def credentials(self) -> tuple[Credentials, ...]:
        """Distinct credential Secrets of all replicas, sorted."""
        return tuple(sorted({r.credentials for db in self.databases for r in db.replicas}))

    @property
    def shared_credentials(self) -> bool:
        """One key pair for every replica: litestream reads it from LITESTREAM_* implicitly."""
        return len(self.credentials) <= 1


def replica_path(namespace: str, app: str, db_path: str) -> str:
    """``<namespace>/<app>/<db file name>``: the replica's prefix inside the bucket."""
    return f"{namespace}/{app}/{posixpath.basename(db_path)}"


def credential_env(target: str) -> tuple[str, str]:
    """Per-target variables used when a service's replicas need different key pairs."""
    stem = target.upper().replace("-", "_")
    return f"S3_{stem}_ACCESS_KEY_ID", f"S3_{stem}_SECRET_ACCESS_KEY"


def _replica(
    cluster: ClusterSpec, name: str, namespace: str, app: str, db_path: str
) -> Replica | None:
    target = cluster.targets.get(name)
    if not isinstance(target, S3Target):
        return None  # unknown or wrong type: reported by rules
    secret = target.credentials_secret
    return Replica(
        name,
        target.bucket,
        replica_path(namespace, app, db_path),
        target.endpoint,
        target.region,
        Credentials(secret.name, secret.access_key_id_key, secret.secret_access_key_key),
    )


def _resources(cluster: ClusterSpec, service: EffectiveService) -> ContainerResources:
    assert cluster.litestream is not None
    per_class = service.defaults.litestream
    if per_class is not None and per_class.resources is not None:
        return per_class.resources
    return cluster.litestream.resources


def _database(cluster: ClusterSpec, service: EffectiveService, index: int) -> Database:
    assert cluster.litestream is not None
    spec = service.source.policy.spec
    db = spec.sqlite[index]
    volume = next((v for v in spec.volumes if v.name == db.volume), None)
    mount = volume.mount_path if volume is not None and volume.mount_path else None
    replicas = (
        _replica(cluster, name, service.namespace, service.name, db.path)
        for name in db.targets or cluster.litestream.targets
    )
    return Database(
        index,
        db.path,
        db.volume,
        mount or posixpath.dirname(db.path),
        tuple(r for r in replicas if r is not None),
    )


def resolve(cluster: ClusterSpec, service: EffectiveService) -> ServiceLitestream | None:
    """The service's Litestream setup, or None when it declares no SQLite database."""
    version = service_version(cluster, service)
    spec = service.source.policy.spec
    settings = cluster.litestream
    if version is None or settings is None or not spec.sqlite:
        return None
    override = spec.litestream
    port = override.metrics_port if override and override.metrics_port else None
    timing = Timing(
        settings.sync_interval,
        settings.snapshot_interval,
        settings.retention,
        settings.validation_interval,
    )
    databases = tuple(_database(cluster, service, i) for i in range(len(spec.sqlite)))
    return ServiceLitestream(
        service.key,
        service.name,
        service.namespace,
        version,
        databases,
        timing,
        port or settings.metrics_port,
        _resources(cluster, service),
    )
