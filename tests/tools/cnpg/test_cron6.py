"""ScheduledBackup schedules: the project's five-field crons written in robfig's six fields.

The six-field form must fire at exactly the minutes the five-field cron does (second 0),
checked with croniter (seconds first) over a stretch of firings, and a Kubernetes-style
five-field spec must be recognised with what robfig/cron v1 makes of it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from croniter import croniter

from compiler.core import cron
from compiler.tools.cnpg.cron6 import as_five_fields, is_five_fields, to_robfig

START = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
EXPRESSIONS = [
    "38 1 * * *",
    "7 */6 * * *",
    "12-59/30 * * * *",
    "0 3 * * 7",
    "5 4 * * 5-7",
    "0 0 1,15 * *",
    "30 2 * jan-mar sun",
    "@daily",
    "@weekly",
]


def _firings(expression: str, *, seconds: bool, count: int = 400) -> list[dt.datetime]:
    it = croniter(expression, START, second_at_beginning=seconds)
    return [it.get_next(dt.datetime) for _ in range(count)]


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_six_fields_fire_at_the_minutes_of_the_five(expression: str) -> None:
    six = to_robfig(expression)
    assert len(six.split()) == 6 and six.startswith("0 ")
    assert " 7" not in f" {six.split()[5]}".replace(",", " ")  # robfig v1 knows 0-6
    five = cron.normalise(expression)
    assert _firings(six, seconds=True) == _firings(five, seconds=False)


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_the_operator_reads_back_the_same_schedule(expression: str) -> None:
    back = as_five_fields(to_robfig(expression))
    assert back is not None
    assert cron.parse(back) == cron.parse(expression)
    assert not is_five_fields(to_robfig(expression))


def test_a_kubernetes_style_spec_is_hourly_for_the_operator() -> None:
    """robfig/cron v1 (DowOptional): '30 2 * * *' is second 30, minute 2, every hour."""
    assert is_five_fields("30 2 * * *")
    assert as_five_fields("30 2 * * *") == "2 * * * *"
    assert cron.max_gap_seconds(as_five_fields("30 2 * * *") or "") == 3600
    assert not is_five_fields("@daily") and as_five_fields("@daily") == "0 0 * * *"
    assert as_five_fields("@every 1h") is None
    assert as_five_fields("0 0 3 ? * *") == "0 3 * * *"


def test_a_non_five_field_cron_is_refused() -> None:
    with pytest.raises(cron.CronError):
        to_robfig("0 0 3 * * *")
