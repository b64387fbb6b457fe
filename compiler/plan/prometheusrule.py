"""Alert rules into ``monitoring.coreos.com/v1`` ``PrometheusRule`` objects.

One object per app Component (``prometheusrule.yaml``, in the app's namespace, a group per
tool) holds the rules about the app's own data; one object per shared folder holds the rules
about that folder's objects (Velero schedules, cleanup CronJobs). Rules therefore travel
with what they watch: the Flux Kustomization that applies a Schedule applies its alerts,
and removing a service removes both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from compiler.analyse import EffectiveService
from compiler.model.cluster import ClusterSpec
from compiler.plan.alerts import AlertRule, SharedAlerts, runbook_link
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


def rule_document(rule: AlertRule, cluster: ClusterSpec) -> dict[str, Any]:
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
            "runbook_url": runbook_link(cluster, rule.runbook),
        },
    }


def prometheus_rule(
    context: PlanContext,
    name: str,
    namespace: str,
    labels: dict[str, str],
    groups: list[tuple[str, list[AlertRule]]],
) -> dict[str, Any]:
    cluster = context.analysis.policies.cluster.policy.spec
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": metadata(name, namespace, managed(**labels)),
        "spec": {
            "groups": [
                {
                    "name": f"{GROUP_PREFIX}.{group}",
                    "rules": [rule_document(r, cluster) for r in rules],
                }
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
        context, f"{service.name}-backup", service.namespace, {SERVICE_LABEL: service.name}, groups
    )
    return AppContribution(TITLE, (AppObject(RULE_FILE, (document,)),))


def shared_rules(
    context: PlanContext, tools: Sequence[ToolPlanning], places: Mapping[str, str] | None = None
) -> list[OutputFile]:
    """One ``PrometheusRule`` per shared folder and object (a group per tool), in the folder
    ``places`` gives the tool (``output.shared``), else its own. The first object of a
    folder is ``prometheusrule.yaml``, another one (tools placed together) is named after it."""
    found: dict[tuple[str, str, str], list[tuple[str, SharedAlerts]]] = {}
    for tool in tools:
        for shared in tool.shared_alerts(context):
            folder = (places or {}).get(tool.name, shared.folder)
            if shared.rules:
                key = (folder, shared.namespace, shared.name)
                found.setdefault(key, []).append((tool.name, shared))
    files, folders = [], set()
    for (folder, namespace, name), entries in sorted(found.items()):
        groups = [(tool, list(e.rules)) for tool, e in entries]
        sources = sorted({s for _, e in entries for s in e.sources} - {context.cluster_file})
        document = prometheus_rule(context, name, namespace, {}, groups)
        path = f"{folder}/{RULE_FILE if folder not in folders else f'prometheusrule-{name}.yaml'}"
        folders.add(folder)
        files.append(OutputFile(path, (context.cluster_file, *sources), (document,)))
    return files
