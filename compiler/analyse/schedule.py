"""Deterministic schedule spreading.

Every job has a seed (tool/namespace/app/job) and a target. ``H`` fields are resolved from a
stable hash of the seed; heavy jobs of one target never start in the same minute of the week,
and restic maintenance (check/prune) never starts inside a backup window of its repository.
Pinned (H-free) expressions are kept as written.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from compiler.core import cron

WEEK = 7 * 1440
# How far a hashed pick may move to find a free slot: four hours covers any realistic
# homelab; past it the job keeps its hashed slot and the overlap rules report it.
MAX_SHIFT_MINUTES = 240
JobRole = Literal["backup", "maintenance", "light"]


@dataclass(frozen=True)
class Job:
    """A scheduled job before resolution."""

    seed: str
    target: str
    role: JobRole
    expression: str
    window_minutes: int = 1
    origin: tuple[str | int, ...] = ()


@dataclass
class ScheduleBook:
    """Resolved crons by seed, plus the occupation of each target's week."""

    resolved: dict[str, str] = field(default_factory=dict)
    collisions: list[Job] = field(default_factory=list)
    starts: dict[str, set[int]] = field(default_factory=dict)
    windows: dict[str, set[int]] = field(default_factory=dict)

    def cron_for(self, seed: str) -> str:
        return self.resolved[seed]


@lru_cache(maxsize=65536)
def minutes_of_week(expression: str) -> frozenset[int]:
    """Start minutes within a week (day-of-month limits widen to every weekday)."""
    parsed = cron.parse(expression)
    days = range(7) if parsed.day_restricted else sorted(parsed.weekdays)
    return frozenset(
        d * 1440 + h * 60 + m for d in days for h in parsed.hours for m in parsed.minutes
    )


@lru_cache(maxsize=65536)
def _window(starts: frozenset[int], minutes: int) -> frozenset[int]:
    """Every minute of the week some run started at ``starts`` is running. Cached: the
    hashed candidates of one expression repeat from job to job (a 1,000-service compile
    asked for 50,000 windows of a few hundred distinct ones)."""
    return frozenset((s + i) % WEEK for s in starts for i in range(max(minutes, 1)))


def _pick(job: Job, busy: set[int], locked: AbstractSet[int] = frozenset()) -> str:
    """The first hashed slot whose starts miss ``busy`` and whose whole window misses
    ``locked`` (the windows of the repository's other maintenance jobs: a check that starts
    two minutes before another one's still holds the lock when that one starts)."""
    if not cron.is_hashed(job.expression):
        return cron.normalise(job.expression)
    candidates = [cron.resolve(job.expression, job.seed, o) for o in range(MAX_SHIFT_MINUTES)]
    for candidate in candidates:
        starts = minutes_of_week(candidate)
        if busy.isdisjoint(starts) and locked.isdisjoint(_window(starts, job.window_minutes)):
            return candidate
    # no slot clear of every window: at least never start inside one
    for candidate in candidates:
        if busy.isdisjoint(minutes_of_week(candidate)) and locked.isdisjoint(
            minutes_of_week(candidate)
        ):
            return candidate
    return candidates[0]


def resolve_all(jobs: list[Job]) -> ScheduleBook:
    """Resolve backups first (pinned before hashed), then maintenance, then light jobs."""
    book = ScheduleBook()
    maintenance: dict[str, set[int]] = {}
    order = {"backup": 0, "maintenance": 1, "light": 2}
    ranked = sorted(jobs, key=lambda j: (order[j.role], cron.is_hashed(j.expression), j.seed))
    for job in ranked:
        starts = book.starts.setdefault(job.target, set())
        windows = book.windows.setdefault(job.target, set())
        busy_maintenance = maintenance.setdefault(job.target, set())
        if job.role == "backup":
            chosen = _pick(job, starts)
            if cron.is_hashed(job.expression) and not starts.isdisjoint(minutes_of_week(chosen)):
                book.collisions.append(job)
            starts |= minutes_of_week(chosen)
            windows |= _window(minutes_of_week(chosen), job.window_minutes)
        elif job.role == "maintenance":
            chosen = _pick(job, windows, busy_maintenance)
            busy_maintenance |= _window(minutes_of_week(chosen), job.window_minutes)
        else:
            chosen = _pick(job, set())
        book.resolved[job.seed] = chosen
    return book
