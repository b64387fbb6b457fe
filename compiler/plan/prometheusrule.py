"""Alert rules into ``monitoring.coreos.com/v1`` ``PrometheusRule`` objects.

One object per app Component (``prometheusrule.yaml``, in the app's namespace, a group per
tool) holds the rules about the app's own data; one object per shared folder holds the rules
about that folder's objects (Velero schedules, cleanup CronJobs). Rules therefore travel
with what they watch: the Flux Kustomization that applies a Schedule applies its alerts,
and removing a service removes both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from compiler.analyse import EffectiveService
from compiler.plan.alerts import AlertRule, SharedAlerts
from compiler.plan.k8s import managed, metadata
from compiler.plan.promql import duration
from compiler.plan.types import (
    SERVICE_LABEL,
    AppContribution,
    AppObject,
    OutputFile,
    PlanContext,
    ToolPlanning,
)

RULE_FILE = "prometheusrule.yaml"
GROUP_PREFIX = "backup-policy"
TITLE = "Prometheus"


def rule_document(rule: AlertRule) -> dict[str, Any]:
    """One rule of a group: severity first among the labels Alertmanager routes on."""
    labels = {"severity": rule.severity, **dict(sorted(rule.labels.items()))}
    return {
        "alert": rule.name,
        "expr": rule.expr,
        "for": duration(rule.for_seconds),
        "labels": labels,
        "annotations": {
            "summary": rule.summary,
            "description": rule.description,
            "runbook_url": rule.runbook,
        },
    }


def prometheus_rule(
    name: str, namespace: str, labels: dict[str, str], groups: list[tuple[str, list[AlertRule]]]
) -> dict[str, Any]:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": metadata(name, namespace, managed(**labels)),
        "spec": {
            "groups": [
                {"name": f"{GROUP_PREFIX}.{group}", "rules": [rule_document(r) for r in rules]}
                for group, rules in groups
                if rules
            ]
        },
    }


def app_rules(
    context: PlanContext, service: EffectiveService, tools: Sequence[ToolPlanning]
) -> AppContribution | None:
    """The app's ``PrometheusRule`` as a Component resource (None without any rule)."""
    groups = [
        (f"{service.namespace}.{service.name}.{tool.name}", rules)
        for tool in tools
        if (rules := list(tool.alerts(context, service)))
    ]
    if not groups:
        return None
    document = prometheus_rule(
        f"{service.name}-backup", service.namespace, {SERVICE_LABEL: service.name}, groups
    )
    return AppContribution(TITLE, (AppObject(RULE_FILE, (document,)),))


def shared_rules(context: PlanContext, tools: Sequence[ToolPlanning]) -> list[OutputFile]:
    """One ``PrometheusRule`` file per shared folder that has rules (a group per tool)."""
    found: dict[str, list[tuple[str, SharedAlerts]]] = {}
    for tool in tools:
        for shared in tool.shared_alerts(context):
            if shared.rules:
                found.setdefault(shared.folder, []).append((tool.name, shared))
    files = []
    for folder, entries in sorted(found.items()):
        first = entries[0][1]
        if any(e.namespace != first.namespace or e.name != first.name for _, e in entries):
            raise RuntimeError(f"shared alerts of {folder} disagree on their object")
        groups = [(tool, list(e.rules)) for tool, e in entries]
        sources = sorted({s for _, e in entries for s in e.sources} - {context.cluster_file})
        document = prometheus_rule(first.name, first.namespace, {}, groups)
        path = f"{folder}/{RULE_FILE}"
        files.append(OutputFile(path, (context.cluster_file, *sources), (document,)))
    return files
