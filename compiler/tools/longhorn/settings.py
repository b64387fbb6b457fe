"""Longhorn's part of the policy format: a class's ``longhorn:`` block and its namespace."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from compiler.model.compose import Slot
from compiler.model.types import MODEL_CONFIG, CronSpec, DnsLabel, NonEmpty, Retain


class Base(BaseModel):
    model_config = MODEL_CONFIG


class LonghornJob(Base):
    schedule: CronSpec
    retain: Retain


class LonghornSettings(Base):
    target: NonEmpty
    snapshot: LonghornJob | None = None
    backup: LonghornJob | None = None
    concurrency: Annotated[int, Field(ge=1, le=100)] = 2


SETTINGS: Slot[LonghornSettings | None] = Slot("class", "longhorn", LonghornSettings | None, None)
NAMESPACE: Slot[str] = Slot("namespaces", "longhorn", DnsLabel, "longhorn-system")
