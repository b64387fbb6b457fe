"""The disaster-recovery runbook: services in restore order, each with its tools' steps.

The order is by classification (critical first), then the shortest RTO, then the service's
name. The steps come from each tool's ``runbook`` slot, under the tool's title, in toolset
order; the docs never name a tool.
"""

from __future__ import annotations

from collections.abc import Sequence

from msgspec import Struct

from compiler.analyse import EffectiveService
from compiler.plan.docs.facts import ServiceFact
from compiler.plan.runbook import RunbookStep, ToolDocs
from compiler.plan.types import PlanContext

PRECEDENCE = {"critical": 0, "important": 1, "best-effort": 2}


class ToolSteps(Struct, frozen=True):
    """What one tool restores of a service, in its order."""

    tool: str
    steps: tuple[RunbookStep, ...]


class RecoveryFact(Struct, frozen=True):
    """One service of the runbook: its place in the order, facts and steps."""

    position: int
    service: ServiceFact
    tools: tuple[ToolSteps, ...]


def restore_order(services: Sequence[EffectiveService]) -> list[EffectiveService]:
    """Critical first; within a class, the shortest RTO first; then by namespace/name."""
    return sorted(services, key=lambda s: (PRECEDENCE[s.classification], s.rto, s.key))


def recovery(
    context: PlanContext, tools: Sequence[ToolDocs], facts: Sequence[ServiceFact]
) -> tuple[RecoveryFact, ...]:
    by_key = {fact.key: fact for fact in facts}
    found = []
    for position, service in enumerate(restore_order(context.analysis.services), start=1):
        steps = (ToolSteps(t.title, tuple(t.runbook(context, service))) for t in tools)
        found.append(
            RecoveryFact(position, by_key[service.key], tuple(s for s in steps if s.steps))
        )
    return tuple(found)
