"""Cron expressions: parsing, hashed spreading ("H") and exact gap analysis.

Supported: five fields (minute hour day-of-month month day-of-week) with ``*``, ``a-b``,
``*/n``, ``a-b/n`` and lists; month and weekday names; ``@hourly``/``@daily``/``@weekly``/
``@monthly``/``@yearly`` and K8up's ``@…-random`` forms (resolved like ``H``).
``H`` / ``H(a-b)`` in minute or hour is replaced by a stable hash of a seed (Jenkins style).
"""

from __future__ import annotations

import calendar
import hashlib
import itertools
import re
from functools import lru_cache

from msgspec import Struct

from compiler.core.secrets import shown

FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 7),
)
_NAMES = {
    3: {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m},
    4: {d.lower(): (i + 1) % 7 for i, d in enumerate(calendar.day_abbr)},
}
MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
# K8up's randomised macros fire once per period at a time K8up picks. The compiler picks that
# time itself, like H, so the effective cron in the manifest is known, spread across the
# target and checked against backup windows (K8up would hide it inside the operator).
RANDOM_MACROS = {
    "@hourly-random": "H * * * *",
    "@daily-random": "H H * * *",
    "@weekly-random": "H H * * 0",
    "@monthly-random": "H H 1 * *",
    "@yearly-random": "H H 1 1 *",
    "@annually-random": "H H 1 1 *",
}
_HASH = re.compile(r"^H(?:\((\d+)-(\d+)\))?(?:/(\d+))?$")


class CronError(ValueError):
    """An expression that is not a valid cron schedule."""


class Cron(Struct, frozen=True):
    """A parsed schedule: the sets of values each field allows."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    day_restricted: bool
    weekday_restricted: bool


def _field_values(text: str, index: int) -> frozenset[int]:
    name, low, high = FIELDS[index]
    values: set[int] = set()
    for part in text.split(","):
        values |= _part_values(part.lower(), index, name, low, high)
    if index == 4:
        values = {v % 7 for v in values}
    return frozenset(values)


def _part_values(part: str, index: int, name: str, low: int, high: int) -> set[int]:
    body, _, step_text = part.partition("/")
    if step_text and (not step_text.isdigit() or int(step_text) == 0):
        raise CronError(f"bad step {step_text!r} in {name} field")
    step = int(step_text) if step_text else 1
    if body == "*":
        start, end = low, high
    else:
        first, _, last = body.partition("-")
        start = _number(first, index, name, low, high)
        end = _number(last, index, name, low, high) if last else (high if step_text else start)
        if end < start:
            raise CronError(f"range {body!r} runs backwards in {name} field")
    return set(range(start, end + 1, step))


def _number(text: str, index: int, name: str, low: int, high: int) -> int:
    if text in _NAMES.get(index, {}):
        return _NAMES[index][text]
    if not text.isdigit():
        raise CronError(f"{shown(text)} is not a number in {name} field")
    value = int(text)
    if not low <= value <= high:
        raise CronError(f"{value} is out of range {low}-{high} in {name} field")
    return value


def normalise(expression: str) -> str:
    """The five-field form of ``expression`` (macros expanded)."""
    text = " ".join(expression.split())
    return MACROS.get(text) or RANDOM_MACROS.get(text) or text


@lru_cache(maxsize=4096)
def parse(expression: str) -> Cron:
    """Parse a concrete (H-free) expression; raises CronError."""
    fields = normalise(expression).split(" ")
    if len(fields) != 5:
        raise CronError(
            f"{expression!r} has {len(fields)} fields; cron needs 5 "
            "(minute hour day-of-month month day-of-week) or a macro like @daily"
        )
    if any(_HASH.fullmatch(f) for f in fields if f.startswith("H")):
        raise CronError(f"{expression!r} still contains H; resolve it before use")
    minutes, hours, days, months, weekdays = (_field_values(f, i) for i, f in enumerate(fields))
    return Cron(
        minutes,
        hours,
        days,
        months,
        weekdays,
        day_restricted=fields[2] != "*",
        weekday_restricted=fields[4] != "*",
    )


def validate(expression: str) -> None:
    """Check an expression that may contain H placeholders in minute and hour."""
    fields = normalise(expression).split(" ")
    if len(fields) == 5:
        for index in (0, 1):
            match = _HASH.fullmatch(fields[index])
            if match:
                _check_hash_range(match, index)
                fields[index] = "0"
        for index in (2, 3, 4):
            if _HASH.fullmatch(fields[index]):
                raise CronError("H is only supported in the minute and hour fields")
    concrete = " ".join(fields) if len(fields) == 5 else expression
    parse(concrete)
    max_gap_seconds(concrete)  # refuses schedules that (almost) never fire, e.g. Feb 30


def _check_hash_range(match: re.Match[str], index: int) -> None:
    name, low, high = FIELDS[index]
    if match.group(1) is not None:
        start, end = int(match.group(1)), int(match.group(2))
        if not low <= start <= end <= high:
            raise CronError(f"H({start}-{end}) is outside {low}-{high} in {name} field")
    step = match.group(3)
    if step is not None and not 0 < int(step) <= high - low + 1:
        raise CronError(f"bad step {step!r} after H in {name} field")


def is_hashed(expression: str) -> bool:
    return any(_HASH.fullmatch(f) for f in normalise(expression).split(" "))


@lru_cache(maxsize=65536)
def stable_hash(seed: str) -> int:
    """A process-independent hash (Python's hash() is salted per process)."""
    return int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")


@lru_cache(maxsize=4096)
def _hashed_fields(
    expression: str,
) -> tuple[tuple[str, ...], tuple[tuple[int, int, int, int | None], ...]]:
    """Fields of ``expression`` and, per H field: index, first value, span, step."""
    fields = tuple(normalise(expression).split(" "))
    hashed = []
    for index in (0, 1) if len(fields) == 5 else ():
        match = _HASH.fullmatch(fields[index])
        if match:
            _, low, high = FIELDS[index]
            start, end = (
                (int(match.group(1)), int(match.group(2))) if match.group(1) else (low, high)
            )
            step = int(match.group(3)) if match.group(3) else None
            span = min(step, end - start + 1) if step else end - start + 1
            hashed.append((index, start, span, step))
    return fields, tuple(hashed)


def resolve(expression: str, seed: str, offset: int = 0) -> str:
    """Replace H fields with values picked from ``seed``; ``offset`` shifts the pick."""
    fields, hashed = _hashed_fields(expression)
    if not hashed:
        return expression if len(fields) != 5 else " ".join(fields)
    digest = stable_hash(seed)
    out = list(fields)
    for index, start, span, step in hashed:
        pick = (digest >> (16 * index)) + (offset if index == 0 else offset // 60)
        value = start + pick % span
        if step:
            last = FIELDS[index][2]
            match = _HASH.fullmatch(fields[index])
            if match and match.group(2):
                last = int(match.group(2))
            out[index] = f"{value}-{last}/{step}"
        else:
            out[index] = str(value)
    return " ".join(out)


_REFERENCE_YEAR = 2027  # a common year; the span below also covers a leap year (2028)


def _fires_on(cron: Cron, day: int, weekday: int) -> bool:
    """Whether ``cron`` fires on a day of one of its months (``weekday``: Sunday is 0)."""
    in_days, in_weekdays = day in cron.days, weekday in cron.weekdays
    if cron.day_restricted and cron.weekday_restricted:
        return in_days or in_weekdays  # classic cron: either field may match
    return in_days and in_weekdays


def _firing_days(cron: Cron) -> list[int]:
    """The days ``cron`` fires on over three years from the reference year, numbered from
    its 1 January. Months it skips are skipped whole; weekdays are counted on, not looked up
    per day (this ran for every schedule of every ``validate``)."""
    found: list[int] = []
    ordinal = 0
    weekday = (calendar.weekday(_REFERENCE_YEAR, 1, 1) + 1) % 7  # cron: Sunday is 0
    for year in (_REFERENCE_YEAR, _REFERENCE_YEAR + 1, _REFERENCE_YEAR + 2):
        for month in range(1, 13):
            length = calendar.monthrange(year, month)[1]
            if month in cron.months:
                found += [
                    ordinal + day - 1
                    for day in range(1, length + 1)
                    if _fires_on(cron, day, (weekday + day - 1) % 7)
                ]
            ordinal += length
            weekday = (weekday + length) % 7
    return found


@lru_cache(maxsize=4096)
def max_gap_seconds(expression: str) -> int:
    """Largest interval between consecutive firings of a concrete expression over a year.

    Computed per firing day, not per firing, and cached per expression, so a
    ``* * * * *`` schedule costs the same as ``@yearly``.
    """
    cron = parse(expression)
    times = sorted(h * 60 + m for h in cron.hours for m in cron.minutes)
    within_day = max((b - a for a, b in itertools.pairwise(times)), default=0)
    day_numbers = _firing_days(cron)
    if len(day_numbers) < 2:
        raise CronError(f"{expression!r} fires less than once a year")
    first_span = 365 + 366  # gaps that start in the first two years count
    between = max(
        (b - a) * 1440 + times[0] - times[-1]
        for a, b in itertools.pairwise(day_numbers)
        if a < first_span
    )
    return max(within_day, between) * 60


@lru_cache(maxsize=4096)
def min_gap_seconds(expression: str) -> int:
    """Smallest interval between consecutive firings of a concrete expression over the same
    three years as :func:`max_gap_seconds`, computed per firing day as well."""
    cron = parse(expression)
    times = sorted(h * 60 + m for h in cron.hours for m in cron.minutes)
    within_day = min((b - a for a, b in itertools.pairwise(times)), default=None)
    day_numbers = _firing_days(cron)
    if len(day_numbers) < 2:
        raise CronError(f"{expression!r} fires less than once a year")
    between = min((b - a) * 1440 + times[0] - times[-1] for a, b in itertools.pairwise(day_numbers))
    return (between if within_day is None else min(within_day, between)) * 60


@lru_cache(maxsize=1024)
def max_gap_of_all(expressions: tuple[str, ...]) -> int:
    """Largest interval between consecutive firings of any of several concrete expressions
    (the tiers of one copy: hourly, daily, weekly), over the same three years as
    :func:`max_gap_seconds`. The tiers' firings are merged per day first, so two daily tiers
    twelve hours apart give 12h, not the 24h of either."""
    distinct = tuple(sorted(set(expressions)))
    if len(distinct) == 1:
        return max_gap_seconds(distinct[0])
    per_day: dict[int, set[int]] = {}
    for expression in distinct:
        cron = parse(expression)
        times = {h * 60 + m for h in cron.hours for m in cron.minutes}
        for day in _firing_days(cron):
            per_day.setdefault(day, set()).update(times)
    firings = [day * 1440 + t for day in sorted(per_day) for t in sorted(per_day[day])]
    if len(firings) < 2:
        raise CronError(f"{' + '.join(distinct)} fire less than once a year")
    first_span = (365 + 366) * 1440  # gaps that start in the first two years count
    return max(b - a for a, b in itertools.pairwise(firings) if a < first_span) * 60
