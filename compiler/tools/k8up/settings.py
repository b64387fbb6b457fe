"""K8up's part of the policy format: a class's ``k8up:`` block."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from compiler.model.compose import Slot
from compiler.model.types import MODEL_CONFIG, CronSpec, Duration, HistoryLimit, NonEmpty


class Base(BaseModel):
    model_config = MODEL_CONFIG


class Retention(Base):
    """restic's ``forget`` policy for the repository (K8up ``prune.retention``)."""

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


SETTINGS: Slot[K8upSettings | None] = Slot("class", "k8up", K8upSettings | None, None)
