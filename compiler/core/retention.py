"""What a copy's retention keeps, rule by rule: how many copies, or for how long.

``diff`` compares two policies rule by rule, not by a figure derived from them: each
tool's rules keep a union of what each rule keeps (restic forget, Longhorn's tiers) or
one window (Litestream, barman), so a rule that keeps fewer copies, or keeps them for
less long, can only keep less of the same history, and one that keeps more can only keep
more. A figure such as "how far back the copies reach" depends on the schedule as much
as on the rules, and its bounds did not order two policies the right way round (a
``keepLast`` over weekdays only, a ``keepDaily`` over two Sunday backups).
"""

from __future__ import annotations

from typing import NamedTuple

from compiler.core.durations import humanize

HOUR = 3_600
DAY = 24 * HOUR
WEEK = 7 * DAY
MONTH = 30 * DAY


class Kept(NamedTuple):
    """One retention rule of a copy: ``amount`` copies, or seconds when ``seconds``."""

    rule: str
    amount: int
    seconds: bool = False

    def shown(self) -> str:
        return humanize(self.amount) if self.seconds else str(self.amount)
