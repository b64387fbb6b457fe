"""Durations with units ("90s", "1h", "7d", "1h30m"): parsing and canonical formatting."""

from __future__ import annotations

import re

from compiler.core.secrets import shown

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+)([smhdw])")
_WHOLE = re.compile(r"^(?:\d+[smhdw])+$")


class DurationError(ValueError):
    """A string that is not a duration with units."""


def parse_duration(text: str) -> int:
    """Seconds in ``text``; a bare number is refused because its unit is ambiguous."""
    if not _WHOLE.fullmatch(text):
        raise DurationError(
            f"{shown(text)} is not a duration; use a number with a unit s, m, h, d or w, e.g. '1h'"
        )
    return sum(int(n) * _UNITS[u] for n, u in _PART.findall(text))


def format_duration(seconds: int) -> str:
    """Largest-unit form understood by Go's time.ParseDuration (h, m, s only)."""
    if seconds == 0:
        return "0s"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = (
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
        f"{secs}s" if secs else "",
    )
    return "".join(parts)


def humanize(seconds: int) -> str:
    """Short human form for docs and messages: '1h', '7d', '1d12h', '30m'."""
    if seconds == 0:
        return "0s"
    out = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            out.append(f"{count}{unit}")
    return "".join(out)
