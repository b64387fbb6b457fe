"""Velero's part of the policy format: a class's ``velero:`` block and its namespace."""

from __future__ import annotations

from pydantic import BaseModel, Field

from compiler.model.compose import Slot
from compiler.model.types import MODEL_CONFIG, CronSpec, DnsLabel, Duration, NonEmpty


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
