"""Litestream's part of the policy format: the cluster's ``litestream:`` block, a class's
``litestream:`` resources, a service's ``litestream:`` overrides and the cleanup namespace."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from compiler.model.compose import Slot
from compiler.model.types import MODEL_CONFIG, CronSpec, DnsLabel, Duration, NonEmpty
from compiler.tools.litestream.container import ContainerResources, SecurityContext

Version = Literal["0.3", "0.5"]


class Base(BaseModel):
    model_config = MODEL_CONFIG


class LitestreamCleanup(Base):
    """The generation-aware cleanup CronJob for Litestream 0.3 replicas (one per S3 target)."""

    enabled: bool = Field(
        True,
        description="false to generate no cleanup CronJob; old 0.3 generations then stay in the "
        "bucket for ever. Absent: true.",
        examples=[True],
    )
    schedule: CronSpec = Field(
        "H H(1-5) * * *",
        description="When the cleanup runs (cron, in the cluster's timezone); H/H(a-b) in the "
        "minute and hour pick a stable spread value. Absent: daily between 01:00 and 05:59.",
        examples=["H H(1-5) * * *"],
    )
    retention: Duration = Field(
        "7d",
        validate_default=True,
        description="Age past which an old generation (not the newest) of a declared database "
        "is deleted. Absent: 7d.",
        examples=["7d", "30d"],
    )


Port = Annotated[int, Field(ge=1, le=65535)]


_VERSION = (
    "Litestream version whose config format is generated: 0.3 (replicas:, per-replica "
    "retention) or 0.5 (one replica:, top-level snapshot:); neither reads the other's replicas."
)

_RESTORE_TIMEOUT = (
    "How long the restore init container may run before it fails: the pod then does not "
    "start (the kubelet retries with back-off) rather than wait for ever on an unreachable "
    "replica; allow for the largest database's download."
)


class LitestreamSettings(Base):
    """Cluster-wide Litestream defaults; a service may override ``version`` and the port."""

    version: Version = Field("0.3", description=_VERSION + " Absent: 0.3.", examples=["0.3", "0.5"])
    targets: Annotated[list[NonEmpty], Field(min_length=1)] = Field(
        description="Names of the s3 targets every database replicates to (Litestream 0.5: "
        "exactly one), unless the database lists its own.",
        examples=[["garage"]],
    )
    sync_interval: Duration = Field(
        "10s",
        validate_default=True,
        description="How often WAL changes are copied to the replicas: the RPO of a database. "
        "Absent: 10s.",
        examples=["10s", "1m"],
    )
    snapshot_interval: Duration = Field(
        "1h",
        validate_default=True,
        description="How often a full snapshot is written; bounds the local WAL directory and "
        "the replay on restore. Absent: 1h.",
        examples=["1h", "6h"],
    )
    retention: Duration = Field(
        "7d",
        validate_default=True,
        description="How long snapshots and WAL stay in the replica (at least the "
        "snapshotInterval). Absent: 7d (168h).",
        examples=["168h", "24h"],
    )
    validation_interval: Duration | None = Field(
        None,
        description="Litestream 0.3: how often a replica is restored and compared with the "
        "database (failures are counted in its metrics). Absent: never.",
        examples=["12h"],
    )
    restore_timeout: Duration = Field(
        "10m",
        validate_default=True,
        description=_RESTORE_TIMEOUT + " Absent: 10m.",
        examples=["10m", "1h"],
    )
    metrics_port: Port = Field(
        9090,
        description="Port of the sidecar's Prometheus metrics, scraped by the PodMonitor. "
        "Absent: 9090.",
        examples=[9090],
    )
    resources: ContainerResources = Field(
        {},
        validate_default=True,
        description="Requests and limits of the sidecar and the restore init container. "
        "Absent: the defaults of requests and limits.",
        examples=[{"limits": {"memory": "256Mi"}}],
    )
    security_context: SecurityContext = Field(
        {},
        validate_default=True,
        description="securityContext of the sidecar and the restore init container: never "
        "privilege escalation, every capability dropped, the root file system read-only and "
        "not root. Absent: those defaults, user and group from the pod.",
        examples=[{"runAsUser": 1000, "runAsGroup": 1000}],
    )
    cleanup: LitestreamCleanup = Field(
        {},
        validate_default=True,
        description="The Litestream 0.3 cleanup of old generations. Absent: enabled, daily, "
        "keeping 7d.",
        examples=[{"schedule": "H H(1-5) * * *", "retention": "7d"}],
    )


class LitestreamVerify(Base):
    """A CronJob per service restores its databases' latest replicas and checks them."""

    schedule: CronSpec = Field(
        "H H(6-9) * * *",
        description="When the restore verification runs (cron, in the cluster's timezone); "
        "H/H(a-b) in the minute and hour pick a stable spread value. Absent: daily between "
        "06:00 and 09:59.",
        examples=["H H(6-9) * * *", "H H(6-9) * * 1"],
    )
    deadline: Duration = Field(
        "1h",
        validate_default=True,
        description="How long one run may take (the Job's activeDeadlineSeconds): allow for "
        "downloading the largest database. Absent: 1h.",
        examples=["1h", "3h"],
    )


class LitestreamClass(Base):
    """Per-class Litestream settings (override the cluster-wide ones)."""

    verify: LitestreamVerify | None = Field(
        None,
        description="Automated restore verification of this class's databases: a CronJob in "
        "the app's backup Component restores the latest replica of each database (from "
        "every replica with 0.3) into an emptyDir, with the sidecar's image and config, and "
        "runs PRAGMA integrity_check and the database's rowCheck; it fails on an unreadable, "
        "empty or corrupt replica (alerts through kube-state-metrics). Absent: none.",
        examples=[{"schedule": "H H(6-9) * * *"}],
    )

    resources: ContainerResources | None = Field(
        None,
        description="Requests and limits of the Litestream containers of this class's "
        "services. Absent: the cluster's.",
        examples=[{"requests": {"cpu": "50m", "memory": "64Mi"}}],
    )
    security_context: SecurityContext | None = Field(
        None,
        description="securityContext of the Litestream containers of this class's services "
        "(replaces the cluster's). Absent: the cluster's.",
        examples=[{"runAsUser": 1000}],
    )


class LitestreamOverride(Base):
    """Per-service Litestream overrides of the cluster settings."""

    version: Version | None = Field(
        None, description=_VERSION + " Absent: the cluster's.", examples=["0.5"]
    )
    acknowledge_migration: bool = Field(
        False,
        description="true to accept switching this service between 0.3 and 0.5: the new "
        "version starts a new replica and cannot read the old one (rule BP368). Absent: false.",
        examples=[True],
    )
    restore_timeout: Duration | None = Field(
        None,
        description=_RESTORE_TIMEOUT + " Absent: the cluster's.",
        examples=["1h"],
    )
    metrics_port: Port | None = Field(
        None,
        description="Metrics port of this service's sidecar, when the cluster's is taken by "
        "the app. Absent: the cluster's.",
        examples=[9091],
    )
    resources: ContainerResources | None = Field(
        None,
        description="Requests and limits of this service's Litestream containers (replace "
        "the class's and the cluster's). Absent: the class's, else the cluster's.",
        examples=[{"limits": {"memory": "512Mi"}}],
    )
    security_context: SecurityContext | None = Field(
        None,
        description="securityContext of this service's Litestream containers (replaces the "
        "class's and the cluster's), e.g. the app's user. Absent: the class's, else the "
        "cluster's.",
        examples=[{"runAsUser": 33, "runAsGroup": 33}],
    )


CLUSTER: Slot[LitestreamSettings | None] = Slot(
    "cluster",
    "litestream",
    LitestreamSettings | None,
    None,
    "Litestream for the services' SQLite databases: version, replica targets and timings. "
    "Absent: a policy with sqlite: databases is refused (rule BP360).",
    ({"version": "0.3", "targets": ["garage"], "syncInterval": "10s"},),
)
CLASS: Slot[LitestreamClass | None] = Slot(
    "class",
    "litestream",
    LitestreamClass | None,
    None,
    "Litestream settings of this class's services. Absent: the cluster's.",
    ({"resources": {"limits": {"memory": "256Mi"}}},),
)
SERVICE: Slot[LitestreamOverride | None] = Slot(
    "service",
    "litestream",
    LitestreamOverride | None,
    None,
    "This service's Litestream overrides. Absent: the cluster's settings.",
    ({"version": "0.5", "acknowledgeMigration": True},),
)
CLEANUP_NAMESPACE: Slot[str] = Slot(
    "namespaces",
    "litestream_cleanup",
    DnsLabel,
    "storage",
    "Namespace of the Litestream cleanup CronJobs; the S3 credentials Secrets must exist "
    "there. Absent: storage.",
    ("storage",),
)
SLOTS = (CLUSTER, CLASS, SERVICE, CLEANUP_NAMESPACE)
