"""The cluster policy: output, targets and per-classification defaults."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, Field

from compiler.model.types import (
    API_VERSION,
    MODEL_CONFIG,
    Classification,
    CronSpec,
    DnsLabel,
    Duration,
    Frequency,
    HistoryLimit,
    Method,
    NonEmpty,
    Retain,
)


class Base(BaseModel):
    model_config = MODEL_CONFIG


class Metadata(Base):
    name: DnsLabel


class SecretKeys(Base):
    """A Secret holding S3 credentials, and the keys inside it."""

    name: DnsLabel
    access_key_id_key: NonEmpty = "access-key-id"
    secret_access_key_key: NonEmpty = "secret-access-key"


class SecretKeyRef(Base):
    name: DnsLabel
    key: NonEmpty


_REFUSED = "refused (rule BP365): credentials come from credentialsSecret, never from a policy"


class S3Target(Base):
    type: Literal["s3"]
    endpoint: Annotated[
        str,
        Field(
            pattern=r"^https?://[^\s]+$",
            description="an http:// or https:// URL, e.g. http://garage.storage.svc:3900",
        ),
    ]
    bucket: NonEmpty
    region: NonEmpty = "us-east-1"
    credentials_secret: SecretKeys
    repo_password_secret: SecretKeyRef | None = None
    offsite: bool = False
    # Accepted only to be refused by rule BP365 with a clear message: never inline credentials.
    access_key_id: Annotated[str | None, Field(description=_REFUSED)] = None
    secret_access_key: Annotated[str | None, Field(description=_REFUSED)] = None


class LonghornTarget(Base):
    type: Literal["longhorn-backup-target"]
    name: DnsLabel = "default"
    offsite: bool = False


class VeleroTarget(Base):
    type: Literal["velero-storage-location"]
    name: DnsLabel = "default"
    offsite: bool = False


Target = Annotated[S3Target | LonghornTarget | VeleroTarget, Field(discriminator="type")]


class Retention(Base):
    keep_last: Annotated[int, Field(ge=1)] | None = None
    keep_hourly: Annotated[int, Field(ge=1)] | None = None
    keep_daily: Annotated[int, Field(ge=1)] | None = None
    keep_weekly: Annotated[int, Field(ge=1)] | None = None
    keep_monthly: Annotated[int, Field(ge=1)] | None = None
    keep_yearly: Annotated[int, Field(ge=1)] | None = None


class K8upSettings(Base):
    target: NonEmpty
    backup: CronSpec = "H H(0-5) * * *"
    # Maintenance by day, backups by night: restic check/prune must not hit a backup window.
    check: CronSpec = "H H(8-20) * * 0"
    prune: CronSpec = "H H(8-20) * * 6"
    window: Duration = 3600
    retention: Retention = Field(
        default_factory=lambda: Retention.model_validate(
            {"keepLast": 5, "keepDaily": 14, "keepWeekly": 8, "keepMonthly": 6}
        )
    )
    successful_jobs_history_limit: HistoryLimit = 2
    failed_jobs_history_limit: HistoryLimit = 2


class LonghornJob(Base):
    schedule: CronSpec
    retain: Retain


class LonghornSettings(Base):
    target: NonEmpty
    snapshot: LonghornJob | None = None
    backup: LonghornJob | None = None
    concurrency: Annotated[int, Field(ge=1, le=100)] = 2


class VeleroSettings(Base):
    target: NonEmpty
    schedule: CronSpec = "H H(0-5) * * *"
    ttl: Duration = 30 * 86400
    snapshot_volumes: bool = False
    skip_immediately: bool = False


class LitestreamCleanup(Base):
    """The generation-aware cleanup CronJob for Litestream 0.3 replicas (one per S3 target)."""

    enabled: bool = True
    schedule: CronSpec = "H H(1-5) * * *"
    retention: Duration = 7 * 86400


Quantity = Annotated[
    str,
    Field(
        pattern=r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$",
        description="Kubernetes quantity, e.g. 10m, 32Mi",
    ),
]
Port = Annotated[int, Field(ge=1, le=65535)]


class Quantities(Base):
    cpu: Quantity | None = None
    memory: Quantity | None = None


class ContainerResources(Base):
    """Requests and limits of the Litestream sidecar and restore init container."""

    requests: Quantities = Field(
        default_factory=lambda: Quantities.model_validate({"cpu": "10m", "memory": "32Mi"})
    )
    limits: Quantities = Field(
        default_factory=lambda: Quantities.model_validate({"memory": "128Mi"})
    )


class LitestreamSettings(Base):
    """Cluster-wide Litestream defaults; a service may override ``version`` and ``targets``."""

    version: Literal["0.3", "0.5"] = "0.3"
    targets: Annotated[list[NonEmpty], Field(min_length=1)]
    sync_interval: Duration = 10
    snapshot_interval: Duration = 3600
    retention: Duration = 168 * 3600
    validation_interval: Duration | None = None
    metrics_port: Port = 9090
    resources: ContainerResources = Field(
        default_factory=lambda: ContainerResources.model_validate({})
    )
    cleanup: LitestreamCleanup = Field(default_factory=lambda: LitestreamCleanup.model_validate({}))


class LitestreamClass(Base):
    """Per-class Litestream settings (override the cluster-wide ones)."""

    resources: ContainerResources | None = None


class ClassDefaults(Base):
    rpo: Duration
    rto: Duration
    restore_test: Frequency = "yearly"
    methods: list[Method] = []
    k8up: K8upSettings | None = None
    longhorn: LonghornSettings | None = None
    velero: VeleroSettings | None = None
    litestream: LitestreamClass | None = None


class Output(Base):
    root: NonEmpty = "out"


class Flux(Base):
    substitution: bool = True


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())  # scans the zoneinfo tree: once per process


def _timezone(value: str) -> str:
    if value not in _timezones():
        raise ValueError(f"{value!r} is not an IANA time zone, e.g. 'Europe/Zurich' or 'UTC'")
    return value


class Namespaces(Base):
    longhorn: DnsLabel = "longhorn-system"
    velero: DnsLabel = "velero"
    litestream_cleanup: DnsLabel = "storage"


class ClusterSpec(Base):
    output: Output = Field(default_factory=lambda: Output.model_validate({}))
    flux: Flux = Field(default_factory=lambda: Flux.model_validate({}))
    timezone: Annotated[str, AfterValidator(_timezone)] = "UTC"
    namespaces: Namespaces = Field(default_factory=lambda: Namespaces.model_validate({}))
    litestream: LitestreamSettings | None = None
    targets: dict[DnsLabel, Target]
    classes: dict[Classification, ClassDefaults]


class ClusterPolicy(Base):
    """``kind: ClusterPolicy``: one per policy repository."""

    api_version: Literal["backup-policy/v1alpha1"] = Field(alias="apiVersion")
    kind: Literal["ClusterPolicy"]
    metadata: Metadata
    spec: ClusterSpec


__all__ = ["API_VERSION", "ClusterPolicy"]
