"""When a restore test is due: its frequency in calendar months after its last pass."""

from __future__ import annotations

import datetime as dt

import pytest

from compiler.analyse.evidence import months_later


@pytest.mark.parametrize(
    ("day", "months", "due"),
    [
        ("2026-03-02", 12, "2027-03-02"),  # yearly: the same day a year later (was 366 days)
        ("2026-10-01", 3, "2027-01-01"),  # quarterly, across the year's end
        ("2026-08-31", 6, "2027-02-28"),  # no 31 February: the month's last day
        ("2027-08-31", 6, "2028-02-29"),  # a leap year's
        ("2028-02-29", 12, "2029-02-28"),
        ("2026-11-30", 3, "2027-02-28"),
        ("2026-12-15", 12, "2027-12-15"),
    ],
)
def test_a_frequency_is_counted_in_calendar_months(day: str, months: int, due: str) -> None:
    assert months_later(dt.date.fromisoformat(day), months) == dt.date.fromisoformat(due)
