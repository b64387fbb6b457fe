"""Velero's part of the policy format: a class's ``velero:`` block and its namespace."""

from __future__ import annotations

from pydantic import BaseModel

from compiler.model.compose import Slot
from compiler.model.types import MODEL_CONFIG, CronSpec, DnsLabel, Duration, NonEmpty


class VeleroSettings(BaseModel):
    model_config = MODEL_CONFIG

    target: NonEmpty
    schedule: CronSpec = "H H(0-5) * * *"
    ttl: Duration = 30 * 86400
    snapshot_volumes: bool = False
    skip_immediately: bool = False


SETTINGS: Slot[VeleroSettings | None] = Slot("class", "velero", VeleroSettings | None, None)
NAMESPACE: Slot[str] = Slot("namespaces", "velero", DnsLabel, "velero")
