"""Rules about Velero settings."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.core.diagnostics import Diagnostic
from compiler.rules import PolicyContext, policy_rule
from compiler.tools.velero.schedules import NamespaceSchedule, namespaces, schedules


@policy_rule(
    "BP352",
    "velero-schedule-names",
    "error",
    passing="namespaces apps and media; tiers: [{tier: weekly, ...}]",
    failing="namespaces apps and apps-weekly; tiers: [{tier: weekly, ...}]",
)
def schedule_names(context: PolicyContext) -> Iterator[Diagnostic]:
    """Every Velero Schedule has a name of its own.

    A namespace's Schedules are ``bp-<namespace>`` and ``bp-<namespace>-<tier>``, all in
    Velero's namespace: the weekly tier of ``apps`` and the Schedule of a namespace
    ``apps-weekly`` would both be ``bp-apps-weekly``, and one file would replace the other,
    leaving a namespace without backups.
    """
    seen: dict[str, NamespaceSchedule] = {}
    cluster = context.analysis.policies.cluster
    for namespace, service in namespaces(context.analysis.services).items():
        for planned in schedules(namespace, service):
            other = seen.setdefault(planned.name, planned)
            if other is not planned:
                yield schedule_names.at(
                    cluster.doc,
                    planned.origin[:-1],
                    f"Velero Schedule {planned.name} of namespace {namespace} has the name of "
                    f"namespace {other.namespace}'s",
                    "rename the tier",
                )


RULES = (schedule_names,)
