"""Longhorn's part of the policy format: a class's ``longhorn:`` block and its namespace."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from compiler.model.compose import Slot
from compiler.model.types import MODEL_CONFIG, CronSpec, DnsLabel, NonEmpty, Retain


class Base(BaseModel):
    model_config = MODEL_CONFIG


class LonghornJob(Base):
    """One Longhorn RecurringJob of the class (its volumes join it through a group label)."""

    schedule: CronSpec = Field(
        description="When the job runs (cron; Longhorn evaluates it in its manager's time zone, "
        "UTC upstream); H/H(a-b) in the minute and hour pick a stable spread value.",
        examples=["H * * * *", "H/30 * * * *"],
    )
    retain: Retain = Field(
        description="How many snapshots or backups of each volume the job keeps (1 to 100).",
        examples=[24, 48],
    )


class LonghornTask(Base):
    """A Longhorn maintenance RecurringJob of the class: it copies nothing and keeps nothing."""

    schedule: CronSpec = Field(
        description="When the job runs (cron, in the Longhorn manager's time zone, UTC "
        "upstream); H/H(a-b) in the minute and hour pick a stable value outside the minutes "
        "the class's backups start on the same target.",
        examples=["H H(0-5) * * 0", "H H(0-5) * * *"],
    )


class LonghornSettings(Base):
    """A class's Longhorn RecurringJobs, for the longhorn volumes of its services."""

    target: NonEmpty = Field(
        description="Name of the longhorn-backup-target target the backups go to.",
        examples=["nas"],
    )
    snapshot: LonghornJob | None = Field(
        None,
        description="Local snapshots in the cluster: fast restores, but no copy on a separate "
        "target (they do not count for the RPO). Absent: no snapshot job.",
        examples=[{"schedule": "H/30 * * * *", "retain": 48}],
    )
    backup: LonghornJob | None = Field(
        None,
        description="Backups to the backup target: copies on a separate target. Absent: no "
        "backup job.",
        examples=[{"schedule": "H * * * *", "retain": 24}],
    )
    filesystem_trim: LonghornTask | None = Field(
        None,
        description="A filesystem-trim job: fstrim of each attached volume's filesystem, which "
        "gives the blocks of deleted files back (the volume head and removed or system "
        "snapshots only; snapshots the jobs keep are never changed). Absent: no trim job.",
        examples=[{"schedule": "H H(0-5) * * 0"}],
    )
    snapshot_cleanup: LonghornTask | None = Field(
        None,
        description="A snapshot-cleanup job: purges the system snapshots Longhorn makes (for "
        "rebuilds, expansions, backups) and snapshots marked removed, never a snapshot the "
        "snapshot or backup job keeps, so it cannot undercut their retain. Absent: no "
        "cleanup job.",
        examples=[{"schedule": "H H(0-5) * * *"}],
    )
    concurrency: Annotated[int, Field(ge=1, le=100)] = Field(
        2,
        description="How many volumes each job processes at the same time (1 to 100). Absent: 2.",
        examples=[2, 4],
    )


SETTINGS: Slot[LonghornSettings | None] = Slot(
    "class",
    "longhorn",
    LonghornSettings | None,
    None,
    "Longhorn recurring snapshots and backups of this class's longhorn volumes, for the method "
    "longhorn. Absent: the class cannot use longhorn.",
    ({"target": "nas", "backup": {"schedule": "H * * * *", "retain": 24}},),
)
NAMESPACE: Slot[str] = Slot(
    "namespaces",
    "longhorn",
    DnsLabel,
    "longhorn-system",
    "Namespace Longhorn runs in: the RecurringJobs go there. Absent: longhorn-system.",
    ("longhorn-system",),
)
