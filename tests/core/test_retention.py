"""How far back kept copies reach: restic forget's rules and a count of newest copies."""

from __future__ import annotations

import pytest

from compiler.core.retention import (
    DAY,
    HOUR,
    MONTH,
    WEEK,
    YEAR,
    ForgetRules,
    count_reach,
    forget_reach,
)


@pytest.mark.parametrize(
    ("rules", "gap", "reach"),
    [
        (ForgetRules(last=5, daily=14, weekly=8, monthly=12), DAY, 12 * MONTH),
        (ForgetRules(last=5, daily=14, weekly=8, monthly=6), DAY, 6 * MONTH),
        (ForgetRules(last=3, weekly=4), DAY, 4 * WEEK),
        (ForgetRules(hourly=24), HOUR, DAY),
        (ForgetRules(yearly=2), DAY, 2 * YEAR),
        # a daily rule over weekly backups keeps one snapshot a week: 14 weeks
        (ForgetRules(daily=14), WEEK, 14 * WEEK),
        (ForgetRules(last=10), 6 * HOUR, 60 * HOUR),
        (ForgetRules(hourly=6, within=14 * DAY), HOUR, 14 * DAY),
        (ForgetRules(), DAY, 0),
    ],
)
def test_forget_keeps_back_to_its_longest_rule(rules: ForgetRules, gap: int, reach: int) -> None:
    assert forget_reach(rules, gap) == reach


def test_a_count_of_newest_copies_reaches_that_many_gaps_back() -> None:
    assert count_reach(48, 30 * 60) == DAY
    assert count_reach(8, WEEK) == 8 * WEEK
