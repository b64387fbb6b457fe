"""What a copy's retention keeps, rule by rule: how many copies, or for how long.

``diff`` compares two policies rule by rule, not by a figure derived from them: each
tool's rules keep a union of what each rule keeps (restic forget, Longhorn's tiers) or
one window (Litestream, barman), so a rule that keeps fewer copies, or keeps them for
less long, can only keep less of the same history, and one that keeps more can only keep
more. A figure such as "how far back the copies reach" depends on the schedule as much
as on the rules, and its bounds did not order two policies the right way round (a
``keepLast`` over weekdays only, a ``keepDaily`` over two Sunday backups). Only a rule that
keeps the newest N copies of one schedule gets such bounds (:meth:`Kept.reach`), and only
for a schedule change, and only when the bounds do not overlap: then every moment orders
the two the same way.
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
    spacing: tuple[int, int] = (0, 0)
    """For a rule that keeps the newest ``amount`` copies of one schedule (Longhorn's
    ``retain``, restic's ``keepLast``): the least and the most seconds between two of
    them. (0, 0) for a window or calendar buckets, which the schedule does not stretch."""

    def reach(self) -> tuple[int, int] | None:
        """How far back the copies it keeps go, at least and at most (None: not a count
        of the newest copies): ``amount`` copies span ``amount - 1`` gaps right after a
        copy, and up to ``amount`` gaps just before the next."""
        least, most = self.spacing
        if not most:
            return None
        return (self.amount - 1) * least, self.amount * most

    def shown(self) -> str:
        return humanize(self.amount) if self.seconds else str(self.amount)
