"""Cron parsing, H resolution and the exact gap analysis (cross-checked against croniter)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from croniter import croniter

from compiler.core import cron


def test_parse_fields_lists_ranges_steps() -> None:
    parsed = cron.parse("0,30 1-3 */10 1-12/3 1-5")
    assert parsed.minutes == {0, 30}
    assert parsed.hours == {1, 2, 3}
    assert parsed.days == {1, 11, 21, 31}
    assert parsed.months == {1, 4, 7, 10}
    assert parsed.weekdays == {1, 2, 3, 4, 5}
    assert parsed.day_restricted and parsed.weekday_restricted


def test_parse_start_with_step_runs_to_the_end() -> None:
    assert cron.parse("5/20 * * * *").minutes == {5, 25, 45}


def test_parse_names_are_case_insensitive() -> None:
    parsed = cron.parse("0 0 * JAN,jun-Aug mon-fri")
    assert parsed.months == {1, 6, 7, 8}
    assert parsed.weekdays == {1, 2, 3, 4, 5}
    assert cron.parse("0 0 * * sun,sat").weekdays == {0, 6}


def test_sunday_is_zero_or_seven() -> None:
    assert cron.parse("0 0 * * 7").weekdays == {0}
    assert cron.parse("0 0 * * 5-7").weekdays == {5, 6, 0}


def test_star_fields_are_unrestricted() -> None:
    parsed = cron.parse("* * * * *")
    assert len(parsed.minutes) == 60 and len(parsed.hours) == 24
    assert not parsed.day_restricted and not parsed.weekday_restricted


@pytest.mark.parametrize(
    ("macro", "expanded"),
    [
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
        ("@monthly", "0 0 1 * *"),
        ("@weekly", "0 0 * * 0"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@hourly", "0 * * * *"),
    ],
)
def test_macros(macro: str, expanded: str) -> None:
    assert cron.normalise(macro) == expanded
    assert cron.parse(macro) == cron.parse(expanded)


@pytest.mark.parametrize(
    ("macro", "period"),
    [
        ("@hourly-random", 3600),
        ("@daily-random", 86400),
        ("@weekly-random", 7 * 86400),
        ("@monthly-random", 31 * 86400),
    ],
)
def test_k8up_random_macros_are_resolved_like_h_and_keep_their_period(
    macro: str, period: int
) -> None:
    cron.validate(macro)
    assert cron.is_hashed(macro)
    effective = cron.resolve(macro, "apps/web/backup")
    assert effective == cron.resolve(macro, "apps/web/backup")  # stable
    assert not cron.is_hashed(effective)
    assert cron.max_gap_seconds(effective) == period


def test_whitespace_is_normalised() -> None:
    assert cron.normalise("  0   3 *\t* * ") == "0 3 * * *"


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("0 3 * *", "has 4 fields"),
        ("0 3 * * * *", "has 6 fields"),
        ("60 * * * *", "out of range 0-59"),
        ("0 24 * * *", "out of range 0-23"),
        ("0 0 0 * *", "out of range 1-31"),
        ("0 0 * 13 *", "out of range 1-12"),
        ("0 0 * * 8", "out of range 0-7"),
        ("*/0 * * * *", "bad step"),
        ("*/x * * * *", "bad step"),
        ("5-1 * * * *", "runs backwards"),
        ("x * * * *", "not a number"),
        ("0 0 * * foo", "not a number"),
        ("0 0 L * *", "not a number"),
        ("@reboot", "has 1 fields"),
    ],
)
def test_invalid_expressions(expression: str, fragment: str) -> None:
    with pytest.raises(cron.CronError, match=fragment):
        cron.validate(expression)


@pytest.mark.parametrize("expression", ["0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 12 29 2 *"])
def test_schedules_firing_less_than_once_a_year_are_refused(expression: str) -> None:
    with pytest.raises(cron.CronError, match="less than once a year"):
        cron.validate(expression)


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("H H H * *", "only supported in the minute and hour"),
        ("0 0 * H *", "only supported in the minute and hour"),
        ("0 0 * * H", "only supported in the minute and hour"),
        ("H H(0-24) * * *", "outside 0-23"),
        ("H(5-2) * * * *", "outside 0-59"),
        ("H/0 * * * *", "bad step"),
        ("H/61 * * * *", "bad step"),
    ],
)
def test_invalid_hash_expressions(expression: str, fragment: str) -> None:
    with pytest.raises(cron.CronError, match=fragment):
        cron.validate(expression)


@pytest.mark.parametrize(
    "expression",
    [
        "H H * * *",
        "H H(0-5) * * *",
        "H/30 * * * *",
        "H(0-29) H(8-20)/4 * * 1-5",
        "@daily-random",
        "0 3 * * *",
    ],
)
def test_valid_hash_expressions(expression: str) -> None:
    cron.validate(expression)


def test_parse_refuses_unresolved_h() -> None:
    with pytest.raises(cron.CronError, match="still contains H"):
        cron.parse("H 3 * * *")


def test_is_hashed() -> None:
    assert cron.is_hashed("H 3 * * *")
    assert cron.is_hashed("0 H(0-5) * * *")
    assert not cron.is_hashed("0 3 * * *")
    assert not cron.is_hashed("@daily")


SEEDS = [f"k8up/ns-{i}/app-{i}/backup" for i in range(200)]


@pytest.mark.parametrize(
    ("expression", "minute_range", "hour_range", "rest"),
    [
        ("H H * * *", (0, 59), (0, 23), "* * *"),
        ("H H(0-5) * * *", (0, 59), (0, 5), "* * *"),
        ("H(10-20) H(2-3) * * 0", (10, 20), (2, 3), "* * 0"),
        ("H/15 * * * *", (0, 59), (0, 23), "* * *"),
        ("H(0-29)/10 H(8-20)/4 * * 1-5", (0, 29), (8, 20), "* * 1-5"),
    ],
)
def test_resolve_is_deterministic_valid_and_in_range(
    expression: str, minute_range: tuple[int, int], hour_range: tuple[int, int], rest: str
) -> None:
    for seed in SEEDS:
        resolved = cron.resolve(expression, seed)
        assert resolved == cron.resolve(expression, seed)
        assert not cron.is_hashed(resolved)
        assert resolved.split(" ", 2)[2] == rest
        parsed = cron.parse(resolved)
        assert min(parsed.minutes) >= minute_range[0] and max(parsed.minutes) <= minute_range[1]
        assert min(parsed.hours) >= hour_range[0] and max(parsed.hours) <= hour_range[1]


def test_resolve_h_picks_one_value_and_spreads() -> None:
    minutes: set[int] = set()
    hours: set[int] = set()
    for seed in SEEDS:
        parsed = cron.parse(cron.resolve("H H(0-5) * * *", seed))
        assert len(parsed.minutes) == 1 and len(parsed.hours) == 1
        minutes |= parsed.minutes
        hours |= parsed.hours
    assert hours == {0, 1, 2, 3, 4, 5}
    assert len(minutes) > 40  # 200 seeds over 60 minutes: well spread


def test_resolve_h_with_step_keeps_the_period() -> None:
    for seed in SEEDS[:50]:
        resolved = cron.resolve("H/30 * * * *", seed)
        minutes = sorted(cron.parse(resolved).minutes)
        assert len(minutes) == 2 and minutes[1] - minutes[0] == 30
        assert cron.max_gap_seconds(resolved) == 1800
        hours = sorted(cron.parse(cron.resolve("0 H(8-20)/4 * * *", seed)).hours)
        assert len(hours) in (3, 4) and all(8 <= h <= 20 for h in hours)
        assert all(b - a == 4 for a, b in itertools.pairwise(hours))


def test_resolve_offset_moves_the_pick() -> None:
    seed = "k8up/apps/web/backup"
    picks = {cron.resolve("H H(0-5) * * *", seed, offset) for offset in range(360)}
    assert len(picks) == 360  # every (minute, hour) of the range is reachable


def test_resolve_keeps_pinned_fields() -> None:
    assert cron.resolve("15 3 * * 0", "x") == "15 3 * * 0"
    assert cron.resolve("H 3 1 * *", "x").split()[1:] == ["3", "1", "*", "*"]


def test_stable_hash_does_not_depend_on_the_process() -> None:
    # sha256("k8up/apps/web/backup")[:8] as a big-endian integer, computed independently
    import hashlib

    digest = hashlib.sha256(b"k8up/apps/web/backup").digest()
    assert cron.stable_hash("k8up/apps/web/backup") == int.from_bytes(digest[:8], "big")


# -- max_gap_seconds and min_gap_seconds against croniter ------------------------------------

START = dt.datetime(2027, 1, 1)
END = dt.datetime(2029, 1, 1)  # two years: a common year and a leap year


def croniter_gaps(expression: str) -> list[int]:
    """The gaps between consecutive firings whose earlier firing lies in [START, END)."""
    iterator = croniter(expression, START - dt.timedelta(minutes=1))
    previous = iterator.get_next(dt.datetime)
    gaps = []
    while previous < END:
        current = iterator.get_next(dt.datetime)
        gaps.append(int((current - previous).total_seconds()))
        previous = current
    return gaps


EXPRESSIONS = [
    "0 3 * * *",  # daily
    "5 1-23/2 * * *",  # hour step range
    "0 3 * * 1-5",  # weekdays only: the weekend gap
    "30 2 * * 0",  # dow only
    "0 0 1,15 * 1",  # dom + dow: OR semantics
    "0 0 13 * 5",  # Friday or the 13th
    "0 4 31 * *",  # only long months
    "0 */6 * 1-3 *",  # month restriction: the gap from March to next January
    "17 3 * jun-aug sat",  # names, summer Saturdays
    "0 8-18/5 */10 * *",  # steps in hour and day of month
    "0 0 */2 * 1",  # dom step + dow: OR
    "0 1,23 * * *",  # the shortest gap runs over midnight
    "@weekly",
]


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_max_gap_matches_croniter(expression: str) -> None:
    assert cron.max_gap_seconds(expression) == max(croniter_gaps(expression))


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_min_gap_matches_croniter(expression: str) -> None:
    """The least spacing of a count of the newest copies (Kept.spacing)."""
    assert cron.min_gap_seconds(expression) == min(croniter_gaps(expression))


def test_max_gap_within_a_day() -> None:
    assert cron.max_gap_seconds("0 1,2,20 * * *") == 18 * 3600  # 02:00 .. 20:00
    assert cron.max_gap_seconds("*/20 * * * *") == 1200
