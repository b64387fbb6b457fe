"""ScheduledBackup schedules: robfig/cron v1 specs, six fields with seconds first.

CloudNativePG v1.30.0 parses ``spec.schedule`` with robfig/cron v1.2.0's ``cron.Parse``
(``Second | Minute | Hour | Dom | Month | DowOptional | Descriptor``): six fields, or five
read as *seconds* minute hour day-of-month month with every weekday, or a descriptor
(``@daily``...). The project's crons have five fields; :func:`to_robfig` writes one as the
operator reads it, :func:`as_five_fields` says how the operator reads a spec, so the two can
be compared.
"""

from __future__ import annotations

import re

from compiler.core import cron

_DESCRIPTORS = {**cron.MACROS}


def to_robfig(expression: str) -> str:
    """A concrete five-field cron as a ScheduledBackup schedule: second 0, the same minute,
    hour, day of month, month and weekdays (robfig v1 knows 0-6 only: a 7 becomes 0)."""
    fields = cron.normalise(expression).split(" ")
    if len(fields) != 5:
        raise cron.CronError(f"{expression!r} is not a five-field cron")
    if "7" in re.split(r"[-,/]", fields[4]):
        fields[4] = ",".join(str(day) for day in sorted(cron.parse(expression).weekdays))
    return " ".join(["0", *fields])


def as_five_fields(spec: str) -> str | None:
    """The five-field cron whose minutes the robfig spec fires in (seconds dropped), or None
    for what cannot be compared (``@every``, a field count robfig refuses)."""
    text = " ".join(spec.split())
    if text.startswith("@"):
        return _DESCRIPTORS.get(text)
    fields = [f.replace("?", "*") for f in text.split(" ")]
    if len(fields) == 6:
        return " ".join(fields[1:])
    if len(fields) == 5:  # DowOptional: the fields shift, the first one is seconds
        return " ".join([*fields[1:], "*"])
    return None


def is_five_fields(spec: str) -> bool:
    """A spec written in the Kubernetes CronJob form, which robfig reads shifted by one."""
    text = " ".join(spec.split())
    return not text.startswith("@") and len(text.split(" ")) == 5
