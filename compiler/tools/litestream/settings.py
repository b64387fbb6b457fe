"""Litestream's part of the policy format: the cluster's ``litestream:`` block, a class's
``litestream:`` resources, a service's ``litestream:`` overrides and the cleanup namespace."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from compiler.model.compose import Slot
from compiler.model.types import MODEL_CONFIG, CronSpec, DnsLabel, Duration, NonEmpty

Version = Literal["0.3", "0.5"]


class Base(BaseModel):
    model_config = MODEL_CONFIG


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
    """Cluster-wide Litestream defaults; a service may override ``version`` and the port."""

    version: Version = "0.3"
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


class LitestreamOverride(Base):
    """Per-service Litestream overrides of the cluster settings."""

    version: Version | None = None
    acknowledge_migration: bool = False
    metrics_port: Port | None = None


CLUSTER: Slot[LitestreamSettings | None] = Slot(
    "cluster", "litestream", LitestreamSettings | None, None
)
CLASS: Slot[LitestreamClass | None] = Slot("class", "litestream", LitestreamClass | None, None)
SERVICE: Slot[LitestreamOverride | None] = Slot(
    "service", "litestream", LitestreamOverride | None, None
)
CLEANUP_NAMESPACE: Slot[str] = Slot("namespaces", "litestream_cleanup", DnsLabel, "storage")
SLOTS = (CLUSTER, CLASS, SERVICE, CLEANUP_NAMESPACE)
