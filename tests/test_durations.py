"""Durations with units: parsing, Go-style formatting and the short human form."""

from __future__ import annotations

import pytest

from compiler.core.durations import DurationError, format_duration, humanize, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("1m", 60),
        ("1h", 3600),
        ("7d", 7 * 86400),
        ("2w", 14 * 86400),
        ("1h30m", 5400),
        ("1d12h", 129600),
        ("0s", 0),
        ("168h", 168 * 3600),
        ("1h1h", 7200),
    ],
)
def test_parse(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text",
    [
        "24",
        "",
        "1",
        "1 h",
        " 1h",
        "1h ",
        "1H",
        "1.5h",
        "-1h",
        "1y",
        "h",
        "1hm",
        "1ms",
        "10ns",
        "PT1H",
    ],
)
def test_parse_refuses(text: str) -> None:
    with pytest.raises(DurationError, match="not a duration"):
        parse_duration(text)


def test_bare_number_message_names_the_unit_problem() -> None:
    with pytest.raises(DurationError, match="with a unit"):
        parse_duration("3600")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (10, "10s"),
        (60, "1m"),
        (90, "1m30s"),
        (3600, "1h"),
        (3661, "1h1m1s"),
        (86400, "24h"),
        (7 * 86400, "168h"),
        (30 * 86400, "720h"),
    ],
)
def test_format_uses_only_units_go_understands(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize("seconds", [0, 1, 59, 60, 61, 3599, 3600, 86399, 86400, 604800, 10**7])
def test_format_round_trips(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (30, "30s"),
        (1800, "30m"),
        (3600, "1h"),
        (86400, "1d"),
        (129600, "1d12h"),
        (7 * 86400, "7d"),
        (90061, "1d1h1m1s"),
    ],
)
def test_humanize(seconds: int, text: str) -> None:
    assert humanize(seconds) == text
    assert parse_duration(text) == seconds
