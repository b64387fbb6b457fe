"""The docs' pages planned as text files: facts in, one Jinja2 template per page out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, Protocol

import jinja2
from msgspec.structs import replace

from compiler.analyse import Analysis
from compiler.core.durations import humanize, parse_duration
from compiler.core.template_cache import bytecode_cache
from compiler.core.templates import templates_root
from compiler.model.restore import DEFAULT_GRACE
from compiler.plan.alerts_doc import HasKinds
from compiler.plan.docs import monitoring
from compiler.plan.docs.facts import facts
from compiler.plan.docs.recovery import recovery
from compiler.plan.docs.strings import strings
from compiler.plan.runbook import ToolDocs
from compiler.plan.types import OutputFile, Plan, PlanContext

TEMPLATES = "docs"
"""The pages' folder under ``templates/`` (Jinja2; ``compiler/templates/docs`` in a wheel)."""
PAGES = ("backups.md", "disaster-recovery.md", "alerts.md")


class DocsTool(ToolDocs, HasKinds, Protocol):
    """What the docs read of a tool: its title, runbook and kinds of alert."""


def cell(value: object) -> str:
    """A value safe in a Markdown table cell: one line, pipes escaped."""
    return str(value).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


@cache
def environment() -> jinja2.Environment:
    """One environment per process: templates compiled once, or loaded compiled from the
    user's cache (:mod:`compiler.core.template_cache`). No HTML escaping (the output is
    Markdown; table cells go through ``cell``); undefined names are errors."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_root() / TEMPLATES),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=bytecode_cache(),
    )
    env.filters["cell"] = cell
    env.filters["duration"] = humanize
    return env


class Words:
    """The string table as the templates read it: ``t.backups`` is an attribute, because
    Jinja2 tries one first (on a mapping, each of the thousands of lookups of a large
    tree's pages raised and caught an AttributeError: a tenth of their rendering), and
    ``t[name]`` an item."""

    def __init__(self, table: Mapping[str, str]) -> None:
        self.__dict__.update(table)

    def __getitem__(self, key: str) -> str:
        return str(self.__dict__[key])


def sources(analysis: Analysis) -> tuple[str, ...]:
    """Every policy file: the docs show all of them."""
    policies = analysis.policies
    plan = (policies.restore_plan.file,) if policies.restore_plan is not None else ()
    return (policies.cluster.file, *plan, *(s.source.file for s in analysis.services))


def _values(
    context: PlanContext, tools: Sequence[DocsTool], planned: Sequence[OutputFile]
) -> dict[str, Any]:
    cluster = context.analysis.policies.cluster.policy
    found = facts(context.analysis)
    alerts = monitoring.planned_alerts(planned)
    anchors = {service.anchor for service in found.services}
    return {
        "t": Words(strings(cluster.spec.docs.language)),
        "cluster": cluster.metadata.name,
        "timezone": cluster.spec.timezone,
        "grace": _grace(context),
        "facts": found,
        "schedules": sorted(context.analysis.schedules.resolved.items()),
        "alerts": alerts,
        "alerts_by_anchor": monitoring.by_anchor(alerts),
        "shared": monitoring.shared(alerts, anchors),
        "kinds": monitoring.kinds(tools, alerts),
        "recovery": recovery(context, tools, found.services),
    }


def _grace(context: PlanContext) -> int:
    """The restore-test plan's grace period (its default when there is no plan)."""
    plan = context.analysis.policies.restore_plan
    if plan is not None:
        return plan.policy.spec.grace_period
    return parse_duration(DEFAULT_GRACE)


def plan_docs(
    context: PlanContext, tools: Sequence[DocsTool], planned: Sequence[OutputFile]
) -> list[OutputFile]:
    """The pages in ``docs.folder`` (none in a one-off plan without a run day: a drill);
    ``planned`` are the other files of the plan, whose alert rules the pages list."""
    if context.today is None:
        return []
    folder = context.analysis.policies.cluster.policy.spec.docs.folder
    values = _values(context, tools, planned)
    own = sources(context.analysis)
    env = environment()
    return [
        OutputFile(f"{folder}/{page}", own, text=env.get_template(f"{page}.j2").render(values))
        for page in PAGES
    ]


def with_docs(plan: Plan, context: PlanContext, tools: Sequence[DocsTool]) -> Plan:
    """``plan`` with the docs' pages, planned last: they list every other file's alert rules."""
    files = sorted((*plan.files, *plan_docs(context, tools, plan.files)), key=lambda f: f.path)
    if len({f.path for f in files}) != len(files):
        raise RuntimeError("a page of the docs shares a path with another planned file")
    return replace(plan, files=tuple(files))
