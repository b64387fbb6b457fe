"""The generated part of ``docs/alerts.md``: every alert kind, metric and severity, from the
same :class:`AlertKind` values the rules are made of (so the page cannot drift from them).

``docs/alerts.md`` keeps its prose by hand; the text between the two markers is
:func:`markdown` of the tools' kinds (tests/alerts/test_alerts_doc.py checks it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from compiler.plan.alerts import SEVERITIES, AlertKind, Metric

BEGIN = "<!-- BEGIN GENERATED: alert kinds (compiler/plan/alerts_doc.py) -->"
END = "<!-- END GENERATED -->"


class HasKinds(Protocol):
    @property
    def alert_kinds(self) -> tuple[AlertKind, ...]: ...


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return f"`{_cell(text)}`" if text else ""


def kinds_of(tools: Iterable[HasKinds]) -> list[AlertKind]:
    """Each kind once (the CronJob kinds are shared), in tool order."""
    return list(dict.fromkeys(kind for tool in tools for kind in tool.alert_kinds))


def _alerts_table(kinds: Sequence[AlertKind]) -> list[str]:
    lines = [
        "| Alert | From | Meaning | Expression (template) | Selects on | `for` | Severity |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind in kinds:
        lines.append(
            f"| `{kind.name}` | {kind.tool} | {_cell(kind.meaning)} | {_code(kind.template)} "
            f"| {', '.join(_code(label) for label in kind.labels_used)} "
            f"| {_cell(kind.for_rule)} | {_cell(kind.severity_rule)} |"
        )
    return lines


def _metrics_table(kinds: Sequence[AlertKind]) -> list[str]:
    users: dict[Metric, list[str]] = {}
    for kind in kinds:
        for metric in kind.metrics:
            users.setdefault(metric, []).append(kind.name)
    lines = [
        "| Metric | Type | Labels set by the exporter | Defined in (verified) | Used by |",
        "|---|---|---|---|---|",
    ]
    for metric, names in sorted(users.items(), key=lambda entry: entry[0].name):
        labels = ", ".join(_code(label) for label in metric.labels)
        used = ", ".join(f"`{name}`" for name in dict.fromkeys(names))
        lines.append(
            f"| `{metric.name}` | {metric.type} | {labels} | {_cell(metric.source)} | {used} |"
        )
    return lines


def _severity_table() -> list[str]:
    lines = ["| Classification | `severity` label |", "|---|---|"]
    lines += [f"| {name} | `{label}` |" for name, label in SEVERITIES.items()]
    return lines


def markdown(tools: Iterable[HasKinds]) -> str:
    """The generated section, markers included."""
    kinds = kinds_of(tools)
    parts = [
        BEGIN,
        "",
        "### Alerts",
        "",
        *_alerts_table(kinds),
        "",
        "### Metrics and where they are defined",
        "",
        *_metrics_table(kinds),
        "",
        "### Severity",
        "",
        *_severity_table(),
        "",
        END,
    ]
    return "\n".join(parts) + "\n"


def section(text: str) -> str:
    """The generated section of a page (markers included), or "" when it has none."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        return ""
    return text[start : end + len(END)] + "\n"
