"""How far back the copies a tool keeps reach: the age of the oldest copy a restore can
still choose, in seconds, as the tool's retention settings make it in a steady state.

These are upper bounds, to compare two policies (``diff``), not a date to promise: a
calendar month counts 30 days and a year 365, and a copy made less often than a rule's
unit stretches the rule (restic's ``--keep-daily 14`` over weekly backups keeps 14 weeks).
"""

from __future__ import annotations

from typing import NamedTuple

HOUR = 3_600
DAY = 24 * HOUR
WEEK = 7 * DAY
MONTH = 30 * DAY
YEAR = 365 * DAY


class ForgetRules(NamedTuple):
    """restic ``forget``'s rules (K8up's ``prune.retention``, VolSync's ``retain``)."""

    last: int | None = None
    hourly: int | None = None
    daily: int | None = None
    weekly: int | None = None
    monthly: int | None = None
    yearly: int | None = None
    within: int | None = None
    """Seconds: every snapshot younger than this is kept."""


def forget_reach(rules: ForgetRules, gap: int) -> int:
    """restic ``forget`` over snapshots at most ``gap`` seconds apart: ``--keep-<unit>ly N``
    keeps the newest snapshot of each of the last N units that have one (N units, or N
    gaps when backups are further apart than the unit), ``--keep-last N`` the newest N,
    ``--keep-within D`` every snapshot younger than D."""
    units = (
        (rules.hourly, HOUR),
        (rules.daily, DAY),
        (rules.weekly, WEEK),
        (rules.monthly, MONTH),
        (rules.yearly, YEAR),
    )
    reaches = [count * max(unit, gap) for count, unit in units if count]
    if rules.last:
        reaches.append(rules.last * gap)
    if rules.within:
        reaches.append(rules.within)
    return max(reaches, default=0)


def count_reach(count: int, gap: int) -> int:
    """A job that keeps its newest ``count`` copies, made at most ``gap`` seconds apart."""
    return count * gap
