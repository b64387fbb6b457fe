"""The alert rules as the docs show them, read from the planned ``PrometheusRule`` objects
themselves: every ``runbook_url`` the compile writes has its anchor in the docs because the
docs are made from those very rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from msgspec import Struct

from compiler.plan.alerts import AlertKind
from compiler.plan.alerts_doc import HasKinds, kinds_of
from compiler.plan.types import OutputFile


class AlertFact(Struct, frozen=True):
    """One generated alert rule."""

    name: str
    severity: str
    duration: str
    summary: str
    description: str
    url: str
    file: str

    @property
    def anchor(self) -> str:
        """The section of ``backups.md`` its runbook link names."""
        return self.url.rpartition("#")[2]


class SharedFact(Struct, frozen=True):
    """A section of the report for rules about shared objects (one runbook anchor)."""

    anchor: str
    files: tuple[str, ...]
    alerts: tuple[AlertFact, ...]


def _rules(document: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    for group in document.get("spec", {}).get("groups", []):
        yield from group.get("rules", [])


def planned_alerts(files: Sequence[OutputFile]) -> tuple[AlertFact, ...]:
    """Every alert rule of the planned files, in path and rule order."""
    found = []
    for planned in files:
        for document in planned.documents:
            if not isinstance(document, Mapping) or document.get("kind") != "PrometheusRule":
                continue
            for rule in _rules(document):
                notes = rule["annotations"]
                found.append(
                    AlertFact(
                        rule["alert"],
                        rule["labels"]["severity"],
                        rule["for"],
                        notes["summary"],
                        notes["description"],
                        notes["runbook_url"],
                        planned.path,
                    )
                )
    return tuple(found)


def by_anchor(alerts: Iterable[AlertFact]) -> dict[str, tuple[AlertFact, ...]]:
    grouped: dict[str, list[AlertFact]] = {}
    for alert in alerts:
        grouped.setdefault(alert.anchor, []).append(alert)
    return {key: tuple(found) for key, found in grouped.items()}


def shared(alerts: Iterable[AlertFact], service_anchors: set[str]) -> tuple[SharedFact, ...]:
    """The sections for anchors that are not a service's, by anchor."""
    grouped = by_anchor(alerts)
    return tuple(
        SharedFact(key, tuple(dict.fromkeys(a.file for a in found)), found)
        for key, found in sorted(grouped.items())
        if key not in service_anchors
    )


def kinds(tools: Iterable[HasKinds], alerts: Iterable[AlertFact]) -> tuple[AlertKind, ...]:
    """The kinds of alert the compile raises, in tool order."""
    raised = {alert.name for alert in alerts}
    return tuple(kind for kind in kinds_of(tools) if kind.name in raised)
