"""A retention rule as diff shows it: copies by their count, durations in their units."""

from __future__ import annotations

from compiler.core.retention import DAY, HOUR, Kept


def test_a_rule_shows_copies_as_a_count_and_a_window_as_a_duration() -> None:
    assert Kept("keepDaily", 14).shown() == "14"
    assert Kept("retention", 7 * DAY, True).shown() == "7d"
    assert Kept("within", 36 * HOUR, True).shown() == "1d12h"
