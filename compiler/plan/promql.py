"""PromQL text built from model values: selectors, durations, and counter patterns.

Label values are quoted as PromQL strings (JSON escaping is a subset PromQL reads), regex
alternatives are escaped, and durations use Prometheus units, so no user value can change
the meaning of an expression.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache

_RE2_SPECIAL = re.compile(r"([\\.+*?()|\[\]{}^$])")


def quote(value: str) -> str:
    return json.dumps(value)


class Regex(str):
    """A label value matched with ``=~`` (anchored by PromQL) instead of ``=``."""

    __slots__ = ()


def selector(metric: str, **labels: str) -> str:
    """``metric{a="x",b=~"y|z"}`` with the labels in the order given."""
    parts = [
        f"{name}{'=~' if isinstance(value, Regex) else '='}{quote(value)}"
        for name, value in labels.items()
    ]
    return f"{metric}{{{','.join(parts)}}}"


def one_of(values: Iterable[str]) -> Regex:
    """A value matching exactly these strings (RE2 metacharacters escaped), sorted."""
    return Regex("|".join(_RE2_SPECIAL.sub(r"\\\1", v) for v in sorted(set(values))))


@lru_cache(maxsize=4096)
def duration(seconds: int) -> str:
    """A Prometheus duration in its largest units (``1d``, ``1h30m``, ``0s``)."""
    if seconds <= 0:
        return "0s"
    out = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            out.append(f"{count}{unit}")
    return "".join(out)


def increased(series: str, window: int, by: str) -> str:
    """True while the counter ``series`` went up within ``window``, per ``by`` labels.

    ``increase`` alone misses the first increment of a series that is created by that
    increment (client_golang creates a labelled child on its first ``Inc``, so the series
    starts at 1): such a series, present now and absent ``window`` ago, counts too.
    """
    within = duration(window)
    return (
        f"sum by ({by}) (increase({series}[{within}])) > 0"
        f" or sum by ({by}) ({series} > 0 unless {series} offset {within})"
    )
