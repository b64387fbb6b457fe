"""VolSync's part of the policy format: a class's ``volsync:`` block, the cluster's
``volsync:`` block (what belongs to the storage, not to a class), a service's ``volsync:``
overrides and the namespace of kube-state-metrics."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator

from compiler.core.secrets import shown
from compiler.model.compose import Slot
from compiler.model.types import (
    MODEL_CONFIG,
    CronSpec,
    DnsLabel,
    Duration,
    Form,
    NonEmpty,
    StorageKind,
)

CopyMethod = Literal["Snapshot", "Clone", "Direct"]
# A subset of the Kubernetes quantity the CRD accepts (whole numbers with a binary or decimal
# unit): what a cache volume is sized in.
Quantity = Annotated[
    str,
    Field(pattern=r"^[1-9][0-9]*(Ki|Mi|Gi|Ti|k|M|G|T)?$"),
    Form("a Kubernetes quantity, e.g. 1Gi or 512Mi"),
]
# StorageClass and VolumeSnapshotClass names are DNS subdomains.
ObjectName = Annotated[
    str,
    Field(pattern=r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$"),
    Form("a Kubernetes object name, e.g. longhorn-snapshot"),
]
SECRET_PLACEHOLDERS = ("{app}", "{claim}", "{namespace}")


class Base(BaseModel):
    model_config = MODEL_CONFIG


def _whole_hours(value: int) -> int:
    # restic's --keep-within counts years, months, days and hours (in restic "m" is a month)
    if value % 3600:
        raise ValueError(f"restic's --keep-within counts whole hours, not {value} seconds")
    return value


def _count(unit: str, example: int) -> Any:
    return Field(
        None,
        description=f"For the last N {unit}s that have snapshots, restic keeps the newest of "
        f"each {unit} (VolSync's retain.{unit}ly). Absent: the rule is not used.",
        examples=[example],
    )


Count = Annotated[int, Field(ge=1, le=10000)]


class Retain(Base):
    """restic ``forget`` rules VolSync runs after each backup (``spec.restic.retain``)."""

    hourly: Count | None = _count("hour", 24)
    daily: Count | None = _count("day", 7)
    weekly: Count | None = _count("week", 4)
    monthly: Count | None = _count("month", 6)
    yearly: Count | None = _count("year", 1)
    within: Annotated[Duration, AfterValidator(_whole_hours)] | None = Field(
        None,
        description="Every snapshot younger than this is kept (restic --keep-within, whole "
        "hours; written as days and hours). Absent: the rule is not used.",
        examples=["14d", "36h"],
    )

    @model_validator(mode="after")
    def _keeps_something(self) -> Retain:
        if all(value is None for value in self.model_dump().values()):
            # mover.go generateForgetOptions: an empty retain becomes --keep-last 1
            raise ValueError("an empty retain makes VolSync keep only the newest snapshot")
        return self


_CRON = "; H/H(a-b) in the minute and hour pick a stable spread value."


class VolSyncSettings(Base):
    """A class's VolSync restic backups: one ReplicationSource per PVC of its services."""

    target: NonEmpty = Field(
        description="Name of the s3 target the restic repositories live on (the repository "
        "Secret's RESTIC_REPOSITORY points there; see docs/volsync.md).",
        examples=["garage"],
    )
    schedule: CronSpec = Field(
        "H * * * *",
        description="When VolSync backs up each PVC (cron, in VolSync's time zone: UTC "
        "upstream)" + _CRON + " Absent: hourly.",
        examples=["H * * * *", "H H(0-5) * * *"],
    )
    window: Duration = Field(
        "1h",
        validate_default=True,
        description="How long a backup may run: other heavy jobs of the target stay out of "
        "this window, and the VolSync alerts wait this long. Absent: 1h.",
        examples=["1h", "30m"],
    )
    retain: Retain = Field(
        {"hourly": 24, "daily": 7, "weekly": 4, "monthly": 6},
        validate_default=True,
        description="Which snapshots restic forget keeps after each backup. Absent: 24 "
        "hourly, 7 daily, 4 weekly and 6 monthly.",
        examples=[{"hourly": 24, "daily": 7, "weekly": 4, "monthly": 6, "within": "3d"}],
    )
    copy_method: CopyMethod = Field(
        "Snapshot",
        description="How VolSync takes the point-in-time copy it backs up: a VolumeSnapshot "
        "(of the storage's class, see the cluster's volsync.volumeSnapshotClasses), a Clone, "
        "or Direct (the live volume, mounted beside the app). Absent: Snapshot.",
        examples=["Snapshot", "Direct"],
    )
    cache_capacity: Quantity | None = Field(
        None,
        description="Size of the restic metadata cache volume of each backup and restore. "
        "Absent: VolSync's 1Gi.",
        examples=["2Gi"],
    )
    cache_storage_class_name: ObjectName | None = Field(
        None,
        description="StorageClass of the cache volume. Absent: the PVC's.",
        examples=["openebs-hostpath"],
    )
    prune_interval_days: Annotated[int, Field(ge=1, le=365)] | None = Field(
        None,
        description="Days between restic prune runs (after a backup). Absent: VolSync's 7.",
        examples=[14],
    )
    repository_secret: Annotated[str, Field(pattern=r"^[a-z0-9{}-]{1,63}$")] = Field(
        "{app}-volsync",
        description="Name of the repository Secret each app provides (never generated; its "
        "keys in docs/volsync.md); {app}, {claim} and {namespace} are replaced. A Secret holds "
        "one repository: with {claim} there is one per PVC, else one per app (then an app may "
        "back up one PVC, rule BP380). Absent: {app}-volsync.",
        examples=["{app}-volsync", "{claim}-restic"],
    )

    @model_validator(mode="after")
    def _secret_placeholders(self) -> VolSyncSettings:
        rest = self.repository_secret
        for placeholder in SECRET_PLACEHOLDERS:
            rest = rest.replace(placeholder, "")
        if "{" in rest or "}" in rest:
            raise ValueError(
                f"repositorySecret {shown(self.repository_secret)} may use only "
                + ", ".join(SECRET_PLACEHOLDERS)
            )
        return self


class VolSyncCluster(Base):
    """What VolSync needs to know about the cluster's storage."""

    volume_snapshot_classes: dict[StorageKind, ObjectName] = Field(
        {},
        description="The VolumeSnapshotClass of each storage kind, for copyMethod Snapshot "
        "and the restore's snapshot. Absent for a storage: the cluster's default class.",
        examples=[{"longhorn": "longhorn-snapshot", "synology-csi": "synology-snapshot"}],
    )


class MoverIdentity(Base):
    """The user and groups the VolSync mover runs as (its PodSecurityContext)."""

    run_as_user: Annotated[int, Field(ge=0)] = Field(
        description="UID of the mover.", examples=[568, 1000]
    )
    run_as_group: Annotated[int, Field(ge=0)] | None = Field(
        None, description="GID of the mover. Absent: the image's.", examples=[568]
    )
    fs_group: Annotated[int, Field(ge=0)] | None = Field(
        None,
        description="Supplemental group that owns the mounted volumes. Absent: none.",
        examples=[568],
    )


class VolSyncService(Base):
    """A service's VolSync overrides."""

    bootstrap: bool = Field(
        False,
        description="true to patch the app's PVCs with a dataSourceRef to their restore "
        "ReplicationDestination: a new cluster creates each PVC from its latest backup (Flux "
        "creates it once: kustomize.toolkit.fluxcd.io/ssa: IfNotPresent). Absent: false.",
        examples=[True],
    )
    existing: bool = Field(
        False,
        description="true when the tree's own ReplicationSources back up the service's PVCs "
        "(a shared Component such as components/volsync added by the app's Flux "
        "Kustomization): the compiler writes no ReplicationSource or ReplicationDestination "
        "for them, counts and alerts on the tree's (its name, its schedule after Flux "
        "substitution). Rule BP383 requires it exactly when one exists. Absent: false.",
        examples=[True],
    )
    mover_security_context: MoverIdentity | None = Field(
        None,
        description="Who the mover runs as, when the app's pod securityContext is not in the "
        "tree or should not be copied. Absent: the pod's (runAsUser, runAsGroup, fsGroup).",
        examples=[{"runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 1000}],
    )


SETTINGS: Slot[VolSyncSettings | None] = Slot(
    "class",
    "volsync",
    VolSyncSettings | None,
    None,
    "VolSync restic backups of the PVCs of this class's services, for the method volsync. "
    "Absent: the class cannot use volsync.",
    ({"target": "garage", "schedule": "H * * * *", "copyMethod": "Snapshot"},),
)
CLUSTER: Slot[VolSyncCluster | None] = Slot(
    "cluster",
    "volsync",
    VolSyncCluster | None,
    None,
    "VolSync's view of the cluster's storage. Absent: every VolumeSnapshotClass is the "
    "cluster's default.",
    ({"volumeSnapshotClasses": {"longhorn": "longhorn-snapshot"}},),
)
SERVICE: Slot[VolSyncService | None] = Slot(
    "service",
    "volsync",
    VolSyncService | None,
    None,
    "How VolSync treats this service. Absent: no bootstrap, the mover runs as the pod does, "
    "the compiler writes the ReplicationSources.",
    ({"bootstrap": True}, {"existing": True}),
)
METRICS_NAMESPACE: Slot[str] = Slot(
    "namespaces",
    "kube_state_metrics",
    DnsLabel,
    "observability",
    "Namespace kube-state-metrics runs in: the ConfigMap of its VolSync metrics goes there "
    "(docs/volsync.md). Absent: observability.",
    ("observability", "monitoring"),
)
