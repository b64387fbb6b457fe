"""Velero's part of the policy format: a class's ``velero:`` block and its namespace."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from compiler.model.compose import Slot
from compiler.model.types import (
    MODEL_CONFIG,
    CronSpec,
    DnsLabel,
    Duration,
    NonEmpty,
    TierName,
    distinct_tiers,
)


class VeleroTier(BaseModel):
    """One more Schedule per namespace beside the class's main one, with its own schedule and
    ttl: a weekly backup kept for months beside daily ones kept a month."""

    model_config = MODEL_CONFIG

    tier: TierName = Field(
        description="Name of the tier: the namespace's Schedule is bp-<namespace>-<tier>.",
        examples=["weekly", "monthly"],
    )
    schedule: CronSpec = Field(
        description="When this tier's backup runs (cron, in Velero's time zone); H/H(a-b) "
        "pick a stable spread value.",
        examples=["H H(0-5) * * 0"],
    )
    ttl: Duration = Field(
        description="How long Velero keeps each backup of this tier.",
        examples=["90d"],
    )


class VeleroSettings(BaseModel):
    """A class's Velero backups: one Schedule per namespace of its services."""

    model_config = MODEL_CONFIG

    target: NonEmpty = Field(
        description="Name of the velero-storage-location target the backups go to.",
        examples=["velero-garage"],
    )
    schedule: CronSpec = Field(
        "H H(0-5) * * *",
        description="When the namespace backup runs (cron, in Velero's time zone, UTC "
        "upstream); H/H(a-b) in the minute and hour pick a stable spread value. Absent: daily "
        "between 00:00 and 05:59.",
        examples=["H H(0-5) * * *"],
    )
    ttl: Duration = Field(
        "30d",
        validate_default=True,
        description="How long Velero keeps each backup (the Schedule template's ttl). Absent: 30d.",
        examples=["30d", "14d"],
    )
    tiers: Annotated[list[VeleroTier], AfterValidator(distinct_tiers)] = Field(
        [],
        description="More Schedules per namespace, each with its own schedule and ttl (e.g. "
        "a weekly backup kept 90d beside the daily ones kept 30d); each is "
        "bp-<namespace>-<tier> and is alerted on by its own schedule. Absent: none.",
        examples=[[{"tier": "weekly", "schedule": "H H(0-5) * * 0", "ttl": "90d"}]],
    )
    snapshot_volumes: bool = Field(
        False,
        description="true to have Velero take volume snapshots too; false leaves the volume "
        "data to the other methods. Absent: false.",
        examples=[False],
    )
    skip_immediately: bool = Field(
        False,
        description="true so a new or unpaused Schedule waits for its next time instead of "
        "backing up at once. Absent: false.",
        examples=[True],
    )


SETTINGS: Slot[VeleroSettings | None] = Slot(
    "class",
    "velero",
    VeleroSettings | None,
    None,
    "Velero backups of the namespaces (Kubernetes objects) of this class's services, for the "
    "method velero. Absent: the class cannot use velero.",
    ({"target": "velero-garage", "ttl": "30d"},),
)
NAMESPACE: Slot[str] = Slot(
    "namespaces",
    "velero",
    DnsLabel,
    "velero",
    "Namespace Velero runs in: the Schedules go there. Absent: velero.",
    ("velero",),
)
