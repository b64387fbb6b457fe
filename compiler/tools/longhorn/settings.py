"""Longhorn's part of the policy format: a class's ``longhorn:`` block and its namespace."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Discriminator, Field, Tag

from compiler.model.compose import Slot
from compiler.model.types import (
    MODEL_CONFIG,
    CronSpec,
    DnsLabel,
    NonEmpty,
    Retain,
    TierName,
    distinct_tiers,
)


class Base(BaseModel):
    model_config = MODEL_CONFIG


class LonghornJob(Base):
    """One Longhorn RecurringJob of the class (its volumes join it through a group label)."""

    tier: TierName | None = Field(
        None,
        description="Name of this tier when the task has several (hourly, daily, weekly): the "
        "RecurringJob is bp-<class>-<task>-<tier>. Absent: bp-<class>-<task>; at most one tier "
        "of a task may leave it out.",
        examples=["daily", "weekly"],
    )
    schedule: CronSpec = Field(
        description="When the job runs (cron; Longhorn evaluates it in its manager's time zone, "
        "UTC upstream); H/H(a-b) in the minute and hour pick a stable spread value.",
        examples=["H * * * *", "H/30 * * * *"],
    )
    retain: Retain = Field(
        description="How many snapshots or backups of each volume the job keeps (1 to 100).",
        examples=[24, 48],
    )


def _shape(value: object) -> str:
    return "tiers" if isinstance(value, list | tuple) else "job"


# One job, or several tiers of the same task, each with its own schedule and retain (hourly
# kept 6, daily kept 7, weekly kept 4): Longhorn keeps each job's copies under its own count.
# Told apart by shape, so a list is never also judged (and reported) as a mapping.
Tiers = Annotated[
    Annotated[LonghornJob, Tag("job")]
    | Annotated[
        list[LonghornJob],
        Field(min_length=1),
        AfterValidator(distinct_tiers),
        Tag("tiers"),
    ],
    Discriminator(_shape),
]


def _not_the_cleanup_job(
    jobs: LonghornJob | list[LonghornJob] | None,
) -> LonghornJob | list[LonghornJob] | None:
    """A snapshot tier named ``cleanup`` would be ``bp-<class>-snapshot-cleanup``: the name
    of the class's snapshot-cleanup job, one file overwriting the other."""
    if any(job.tier == "cleanup" for job in tiers(jobs)):
        raise ValueError(
            "a snapshot tier named cleanup would share its RecurringJob name with the "
            "snapshot-cleanup job: choose another name"
        )
    return jobs


def tiers(jobs: LonghornJob | list[LonghornJob] | None) -> tuple[LonghornJob, ...]:
    """The tiers of a task: none, the one job, or the listed ones."""
    if jobs is None:
        return ()
    return (jobs,) if isinstance(jobs, LonghornJob) else tuple(jobs)


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
    snapshot: Annotated[Tiers | None, AfterValidator(_not_the_cleanup_job)] = Field(
        None,
        description="Local snapshots in the cluster: fast restores, but no copy on a separate "
        "target (they do not count for the RPO). One job, or a list of tiers. Absent: no "
        "snapshot job.",
        examples=[{"schedule": "H/30 * * * *", "retain": 48}],
    )
    backup: Tiers | None = Field(
        None,
        description="Backups to the backup target: copies on a separate target. One job, or a "
        "list of tiers (e.g. hourly kept 6, daily kept 7, weekly kept 4); the RPO is the "
        "largest gap between two backups of any tier. Absent: no backup job.",
        examples=[
            {"schedule": "H * * * *", "retain": 24},
            [
                {"schedule": "H * * * *", "retain": 6},
                {"tier": "daily", "schedule": "H H(0-5) * * *", "retain": 7},
                {"tier": "weekly", "schedule": "H H(0-5) * * 0", "retain": 4},
            ],
        ],
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
