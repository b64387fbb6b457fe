"""K8up's part of the policy format: a class's ``k8up:`` block."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from compiler.model.compose import Slot
from compiler.model.types import (
    MODEL_CONFIG,
    CronSpec,
    DnsLabel,
    Duration,
    Form,
    HistoryLimit,
    NonEmpty,
)


class Base(BaseModel):
    model_config = MODEL_CONFIG


def _keep(unit: str, example: int) -> Any:
    """A ``keep<Unit>ly`` rule of restic ``forget``."""
    return Field(
        None,
        description=f"For the last N {unit}s that have snapshots, restic keeps the newest of "
        f"each {unit} when K8up prunes. Absent: the rule is not used.",
        examples=[example],
    )


class Retention(Base):
    """restic's ``forget`` policy for the repository (K8up ``prune.retention``)."""

    keep_last: Annotated[int, Field(ge=1)] | None = Field(
        None,
        description="How many of the newest snapshots restic keeps whatever their age, when "
        "K8up prunes. Absent: that rule is not used.",
        examples=[5],
    )
    keep_hourly: Annotated[int, Field(ge=1)] | None = _keep("hour", 24)
    keep_daily: Annotated[int, Field(ge=1)] | None = _keep("day", 14)
    keep_weekly: Annotated[int, Field(ge=1)] | None = _keep("week", 8)
    keep_monthly: Annotated[int, Field(ge=1)] | None = _keep("month", 6)
    keep_yearly: Annotated[int, Field(ge=1)] | None = _keep("year", 2)


_CRON = "; H/H(a-b) in the minute and hour pick a stable spread value."


class K8upSettings(Base):
    """A class's K8up (restic) backups: a Schedule per service or namespace, of labelled PVCs."""

    target: NonEmpty = Field(
        description="Name of the s3 target (with a repoPasswordSecret) the restic repository "
        "lives on.",
        examples=["garage"],
    )
    scope: Literal["service", "namespace"] = Field(
        "service",
        description="What one K8up Schedule backs up: service, one Schedule per service (in "
        "its backup Component); namespace, one Schedule per namespace for all of this class's "
        "services there (in the shared folder kubernetes/apps/storage/k8up/schedules), so "
        "one repository gets one backup, check and prune per namespace instead of one per "
        "service. Absent: service.",
        examples=["service", "namespace"],
    )
    backup: CronSpec = Field(
        "H H(0-5) * * *",
        description="When the backup runs (cron, or K8up's @daily-random style)"
        + _CRON
        + " Absent: daily between 00:00 and 05:59.",
        examples=["H H(0-5) * * *", "@daily-random"],
    )
    # Maintenance by day, backups by night: restic check/prune must not hit a backup window.
    check: CronSpec = Field(
        "H H(8-20) * * 0",
        description="When restic check verifies the repository; must not start inside a backup "
        "window of the same repository" + _CRON + " Absent: Sundays between 08:00 and 20:59.",
        examples=["H H(8-20) * * 0"],
    )
    prune: CronSpec = Field(
        "H H(8-20) * * 6",
        description="When restic prune applies the retention; must not start inside a backup "
        "window of the same repository" + _CRON + " Absent: Saturdays between 08:00 and 20:59.",
        examples=["H H(8-20) * * 6"],
    )
    window: Duration = Field(
        "1h",
        validate_default=True,
        description="How long a backup may run: check and prune stay out of this window after "
        "each backup start, and the K8up alerts wait this long past the expected gap. "
        "Absent: 1h.",
        examples=["1h", "2h"],
    )
    retention: Retention = Field(
        {"keepLast": 5, "keepDaily": 14, "keepWeekly": 8, "keepMonthly": 6},
        validate_default=True,
        description="Which snapshots prune keeps (restic forget). Absent: the last 5, 14 daily, "
        "8 weekly and 6 monthly.",
        examples=[{"keepLast": 5, "keepDaily": 14, "keepWeekly": 8, "keepMonthly": 12}],
    )
    successful_jobs_history_limit: HistoryLimit = Field(
        2,
        description="How many finished successful K8up jobs Kubernetes keeps. Absent: 2.",
        examples=[2],
    )
    failed_jobs_history_limit: HistoryLimit = Field(
        2,
        description="How many failed K8up jobs Kubernetes keeps (for their logs). Absent: 2.",
        examples=[5],
    )


SETTINGS: Slot[K8upSettings | None] = Slot(
    "class",
    "k8up",
    K8upSettings | None,
    None,
    "K8up (restic) backups of the PVCs of this class's services, for the method k8up. "
    "Absent: the class cannot use k8up.",
    ({"target": "garage", "backup": "H H(0-5) * * *", "window": "1h"},),
)


DatabasePath = Annotated[
    str, Field(pattern=r"^/[^\s]*$"), Form("the path of one of the service's sqlite: databases")
]


class SqliteDump(Base):
    """K8up quiesces one SQLite database: its pod streams ``sqlite3 <db> .dump`` to restic."""

    database: DatabasePath = Field(
        description="Path of the SQLite database (one of the service's sqlite: entries) whose "
        "consistent SQL dump K8up stores: the pod template gets the annotations "
        "k8up.io/backupcommand (sqlite3 <database> .dump, run without a shell), "
        "k8up.io/file-extension (.sql) and k8up.io/backupcommand-container. The container "
        "must have the sqlite3 command line tool. The K8up copy then counts for the "
        "database's RPO.",
        examples=["/data/ipam.db"],
    )
    container: DnsLabel | None = Field(
        None,
        description="The container K8up runs the dump in (it must have sqlite3 and mount the "
        "database). Absent: the workload's container.",
        examples=["main"],
    )


class K8upService(Base):
    """A service's K8up options."""

    sqlite_dump: SqliteDump | None = Field(
        None,
        description="Make the K8up copy of one SQLite database consistent: K8up runs "
        "sqlite3 <database> .dump in the app's pod (a K8up backup command) and stores the "
        "dump. Absent: K8up copies only the database file of the PVC, which does not count "
        "for the database's RPO (a file-level copy of a live database is not consistent).",
        examples=[{"database": "/data/ipam.db", "container": "python-ipam"}],
    )


SERVICE: Slot[K8upService | None] = Slot(
    "service",
    "k8up",
    K8upService | None,
    None,
    "This service's K8up options. Absent: none (PVC file-level backups only).",
    ({"sqliteDump": {"database": "/data/ipam.db"}},),
)
