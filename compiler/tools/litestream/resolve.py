"""What Litestream does for one service: databases, their replicas and the settings in force."""

from __future__ import annotations

import posixpath
from typing import cast

from msgspec import Struct, field

from compiler.analyse import EffectiveService
from compiler.model.cluster import ClusterSpec
from compiler.tools.litestream.container import ContainerResources, SecurityContext
from compiler.tools.litestream.settings import (
    CLASS,
    CLUSTER,
    SERVICE,
    LitestreamSettings,
    Version,
)


def service_version(cluster: ClusterSpec, service: EffectiveService) -> Version | None:
    """The Litestream format a service's databases use (None without cluster settings)."""
    settings = CLUSTER.of(cluster)
    if settings is None:
        return None
    override = SERVICE.of(service.source.policy.spec)
    if override is not None and override.version is not None:
        return override.version
    return settings.version


class Credentials(Struct, frozen=True, order=True):
    """The Secret holding a target's S3 key pair, and the keys inside it."""

    secret: str
    access_key_id_key: str
    secret_access_key_key: str


class Replica(Struct, frozen=True):
    target: str
    bucket: str
    path: str
    endpoint: str
    region: str
    credentials: Credentials


class Database(Struct, frozen=True):
    index: int
    path: str
    volume: str
    mount_path: str
    replicas: tuple[Replica, ...]


class Timing(Struct, frozen=True):
    """Durations in seconds, as the cluster policy sets them."""

    sync_interval: int
    snapshot_interval: int
    retention: int
    validation_interval: int | None


class ServiceLitestream(Struct, frozen=True):
    """Everything the emitters and the injection need for one service."""

    key: str
    name: str
    namespace: str
    version: Version
    databases: tuple[Database, ...]
    timing: Timing
    metrics_port: int
    resources: ContainerResources
    security: SecurityContext = field(default_factory=SecurityContext)

    @property
    def credentials(self) -> tuple[Credentials, ...]:
        """Distinct credential Secrets of all replicas, sorted."""
        return tuple(sorted({r.credentials for db in self.databases for r in db.replicas}))

    @property
    def shared_credentials(self) -> bool:
        """One key pair for every replica: litestream reads it from LITESTREAM_* implicitly."""
        return len(self.credentials) <= 1


def replica_path(namespace: str, app: str, db_path: str) -> str:
    """``<namespace>/<app>/<db file name>``: the replica's default prefix inside the bucket
    (a database's ``replicaPath`` replaces it)."""
    return f"{namespace}/{app}/{posixpath.basename(db_path)}"


def credential_env(target: str) -> tuple[str, str]:
    """Per-target variables used when a service's replicas need different key pairs."""
    stem = target.upper().replace("-", "_")
    return f"S3_{stem}_ACCESS_KEY_ID", f"S3_{stem}_SECRET_ACCESS_KEY"


def _replica(
    cluster: ClusterSpec, service: EffectiveService, name: str, path: str
) -> Replica | None:
    target = service.s3_target(cluster, name)  # with the service's own credentials
    if target is None:
        return None  # unknown or wrong type: reported by rules
    secret = target.credentials_secret
    return Replica(
        name,
        target.bucket,
        path,
        target.endpoint,
        target.region,
        Credentials(secret.name, secret.access_key_id_key, secret.secret_access_key_key),
    )


def _resources(settings: LitestreamSettings, service: EffectiveService) -> ContainerResources:
    """The service's, else the class's, else the cluster's."""
    override, per_class = SERVICE.of(service.source.policy.spec), CLASS.of(service.defaults)
    if override is not None and override.resources is not None:
        return override.resources
    if per_class is not None and per_class.resources is not None:
        return per_class.resources
    return settings.resources


def _security(settings: LitestreamSettings, service: EffectiveService) -> SecurityContext:
    """The service's, else the class's, else the cluster's."""
    override, per_class = SERVICE.of(service.source.policy.spec), CLASS.of(service.defaults)
    if override is not None and override.security_context is not None:
        return override.security_context
    if per_class is not None and per_class.security_context is not None:
        return per_class.security_context
    return settings.security_context


def _database(
    cluster: ClusterSpec, settings: LitestreamSettings, service: EffectiveService, index: int
) -> Database:
    spec = service.source.policy.spec
    db = spec.sqlite[index]
    volume = next((v for v in spec.volumes if v.name == db.volume), None)
    mount = volume.mount_path if volume is not None and volume.mount_path else None
    path = db.replica_path or replica_path(service.namespace, service.name, db.path)
    replicas = (_replica(cluster, service, name, path) for name in db.targets or settings.targets)
    return Database(
        index,
        db.path,
        db.volume,
        mount or posixpath.dirname(db.path),
        tuple(r for r in replicas if r is not None),
    )


def resolve(cluster: ClusterSpec, service: EffectiveService) -> ServiceLitestream | None:
    """The service's Litestream setup, or None when it declares no SQLite database; made
    once per service and cluster policy (planners and rules ask 13 times per service)."""
    known = service.memo.get(resolve)
    if known is None or known[0] is not cluster:
        known = service.memo[resolve] = (cluster, _resolved(cluster, service))
    return cast(ServiceLitestream | None, known[1])


def _resolved(cluster: ClusterSpec, service: EffectiveService) -> ServiceLitestream | None:
    version = service_version(cluster, service)
    spec = service.source.policy.spec
    settings = CLUSTER.of(cluster)
    if version is None or settings is None or not spec.sqlite:
        return None
    override = SERVICE.of(spec)
    port = override.metrics_port if override is not None else None
    timing = Timing(
        settings.sync_interval,
        settings.snapshot_interval,
        settings.retention,
        settings.validation_interval,
    )
    databases = tuple(_database(cluster, settings, service, i) for i in range(len(spec.sqlite)))
    return ServiceLitestream(
        service.key,
        service.name,
        service.namespace,
        version,
        databases,
        timing,
        port if port is not None else settings.metrics_port,
        _resources(settings, service),
        _security(settings, service),
    )
