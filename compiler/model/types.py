"""Constrained scalar types shared by the policy models."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal, Protocol, TypeVar

from msgspec import Struct
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from compiler.core import cron
from compiler.core.durations import parse_duration
from compiler.core.secrets import shown

API_VERSION = "backup-policy/v1alpha1"

Classification = Literal["critical", "important", "best-effort"]
StorageKind = Literal["longhorn", "synology-csi", "external"]
Frequency = Literal["quarterly", "half-yearly", "yearly"]
FREQUENCY_MONTHS: dict[str, int] = {"quarterly": 3, "half-yearly": 6, "yearly": 12}
"""A restore test's frequency, as the calendar counts it: a test passed on 2 March is due
again on 2 March a year later (the last day of a shorter month where it has no such day)."""


def to_camel(name: str) -> str:
    """snake_case attribute -> camelCase YAML key (digits untouched, unlike pydantic's)."""
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


# strict: a value has the type its key expects; "48" is not a number, "true" not a boolean.
# Every field has a description and examples (the JSON Schema's, for editors and
# tests/model/test_schema.py). A default whose JSON form differs from the Python value (a
# duration, a nested block) is written as in a policy, "1h" or {keepLast: 5}, and validated
# (``validate_default=True``), so the schema shows it the way an operator writes it.
# ``defer_build``: a model's validator is built on its first use, not at import. A run
# validates only the composed models (``model/compose.py``), which build the schemas of the
# models they nest; building every base model at import too was most of the import time.
MODEL_CONFIG = ConfigDict(
    extra="forbid",
    alias_generator=to_camel,
    populate_by_name=False,
    frozen=True,
    validate_default=False,
    strict=True,
    defer_build=True,
)


class Form(Struct, frozen=True):
    """How a value of a constrained string type is written, e.g. "an absolute path, e.g.
    /data/app.db": the hint of a value that does not match (``expected <form>``), and the
    type's JSON Schema description wherever its field does not describe it."""

    text: str

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.setdefault("description", self.text)
        return json_schema


GO_DURATION_MAX = (2**63 - 1) // 10**9  # seconds in Go's largest time.Duration


def _duration(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, str):
        raise PydanticCustomError(
            "duration_type",
            "a duration must be a string with a unit, e.g. '1h' or '7d' "
            "(a bare number has no unit)",
        )
    return duration_seconds(value)


def duration_seconds(text: str) -> int:
    """Seconds in ``text``, a duration the policy format accepts: with units, positive and
    within Go's range; a ValueError with the message otherwise (the CLI's ``--duration``
    is checked by the same rule as the protocol entry it becomes)."""
    seconds = parse_duration(text)
    if seconds > GO_DURATION_MAX:
        # The Go tools (K8up, Velero, Litestream) parse durations into time.Duration.
        raise ValueError(
            f"{shown(text)} is longer than Go's time.Duration allows (about 292 years)"
        )
    if seconds <= 0:
        # Every duration of the format is an interval, an age or a target: zero means
        # nothing (an RPO of 0s would silently turn into the class default elsewhere).
        raise ValueError(f"{shown(text)} is not a positive duration")
    return seconds


Duration = Annotated[
    int,
    BeforeValidator(_duration),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^(\d+[smhdw])+$",
            "description": "positive duration with units, e.g. 30m, 1h, 7d",
        }
    ),
]


def _date(value: object) -> object:
    """Dates are written YYYY-MM-DD (the loader keeps them as text, so they keep positions)."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value) if len(value) == 10 else value
        except ValueError:
            raise PydanticCustomError("date_parsing", "not a valid date") from None
    return value


Date = Annotated[
    dt.date,
    BeforeValidator(_date),
    WithJsonSchema({"type": "string", "format": "date", "description": "a date, YYYY-MM-DD"}),
]


def _cron(value: str) -> str:
    try:
        cron.validate(value)
    except cron.CronError as error:
        raise ValueError(str(error)) from None
    return " ".join(value.split())


CronSpec = Annotated[
    str,
    AfterValidator(_cron),
    WithJsonSchema(
        {
            "type": "string",
            "description": "5-field cron, a macro (@daily) or K8up @…-random; H/H(a-b) in minute "
            "and hour pick a stable spread value",
        }
    ),
]

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _dns_label(value: str) -> str:
    if len(value) > 63 or not _DNS_LABEL.fullmatch(value):
        raise ValueError(
            f"{shown(value)} is not a DNS label (lowercase letters, digits and '-', "
            "at most 63 characters, starting and ending alphanumeric)"
        )
    return value


DnsLabel = Annotated[
    str,
    AfterValidator(_dns_label),
    WithJsonSchema({"type": "string", "pattern": _DNS_LABEL.pattern, "maxLength": 63}),
]
NonEmpty = Annotated[str, Field(min_length=1)]
Retain = Annotated[int, Field(ge=1, le=100)]
# Words the docs' pages and the CLI print as they are (an owner, a title, a reason): one
# line of printable text, so a value cannot break a Markdown line or table, or send a
# terminal escape to whoever reads `explain` or a CI log.
_NOT_PRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(value: str) -> str:
    found = _NOT_PRINTABLE.search(value)
    if found is not None:
        what = "a line break" if found.group() in "\n\r\u2028\u2029" else "a control character"
        raise ValueError(
            f"must be one line of printable text: {what} (U+{ord(found.group()):04X}) at "
            f"character {found.start() + 1}"
        )
    return value


Line = Annotated[
    str,
    Field(min_length=1),
    AfterValidator(_one_line),
    WithJsonSchema(
        {"type": "string", "minLength": 1, "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029]+$"}
    ),
]
HistoryLimit = Annotated[int, Field(ge=0, le=100)]

# A tier's name ends the name of its job: a Longhorn RecurringJob's name is at most 40
# characters (SPEC: Longhorn), and the longest prefix the compiler writes,
# "bp-best-effort-snapshot-", leaves 16. Twelve keeps room to spare.
_TIER = re.compile(r"^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$")


def _tier_name(value: str) -> str:
    if not _TIER.fullmatch(value):
        raise ValueError(
            f"{shown(value)} is not a tier name (lowercase letters, digits and '-', at most "
            "12 characters, starting and ending alphanumeric; e.g. daily)"
        )
    return value


TierName = Annotated[
    str,
    AfterValidator(_tier_name),
    WithJsonSchema({"type": "string", "pattern": _TIER.pattern, "maxLength": 12}),
]


class Tiered(Protocol):
    """A job with an optional tier name."""

    @property
    def tier(self) -> str | None: ...


T = TypeVar("T", bound=Tiered)


def distinct_tiers(tiers: list[T]) -> list[T]:
    """Tiers of one task or tool each have a name of their own (one may have none)."""
    names = [tier.tier for tier in tiers]
    doubled = sorted({n or "" for n in names if names.count(n) > 1})
    if doubled:
        which = f"are named {doubled[-1]}" if doubled[-1] else "have no tier name"
        raise ValueError(
            f"two tiers {which}: each tier needs a name of its own "
            "(tier: daily, tier: weekly; one may have none)"
        )
    return tiers
