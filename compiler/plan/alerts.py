"""Alert rules and dashboard queries as values: what tools give, what the plan assembles.

A tool declares the kinds of alert it can raise (:class:`AlertKind`: name, the metrics it
reads with their upstream source, the expression template, how ``for`` is chosen) and
instantiates them per app or per shared object as :class:`AlertRule` values. The plan turns
the rules into ``PrometheusRule`` objects (``compiler/plan/prometheusrule.py``), the kinds
into ``docs/alerts.md`` (``compiler/plan/alerts_doc.py``), and the :class:`PanelQuery`
values into the Grafana dashboard (``compiler/plan/dashboard.py``).

Thresholds come from the model: a staleness alert compares the age of an item's last
success with the effective RPO its method gives the item (the largest gap between two
scheduled runs, as ``coverage.py`` computes it), never with a fixed number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Literal, Protocol

from msgspec import Struct, field

from compiler.analyse import Copy, Coverage, EffectiveService
from compiler.model.cluster import ClusterSpec

if TYPE_CHECKING:
    from compiler.plan.types import PlanContext

MetricType = Literal["counter", "gauge"]

# Classification -> the `severity` label Alertmanager routes on. A critical service pages;
# an important one warns (looked at within a day); best-effort is information only.
SEVERITIES: dict[str, str] = {"critical": "critical", "important": "warning", "best-effort": "info"}
# Shared maintenance (e.g. the Litestream generation cleanup): no copy is lost when it fails.
MAINTENANCE_SEVERITY = "warning"

DOCS_PAGE = "backups.md"
"""The generated protection report that the runbook links point into (in the docs folder)."""

# Labels every Prometheus target gets from the Prometheus Operator (ServiceMonitor and
# PodMonitor), besides what the exporter sets: prometheus-operator@v0.93.0
# pkg/prometheus/promcfg.go (generateServiceMonitorConfig, generatePodMonitorConfig).
TARGET_LABELS = ("container", "endpoint", "instance", "job", "namespace", "pod", "service")


def severity(classification: str) -> str:
    return SEVERITIES[classification]


def anchor(*parts: str) -> str:
    """The runbook anchor scheme: parts lower-cased, anything but [a-z0-9] becomes ``-``.

    ``anchor("service", "productivity", "paperless")`` is ``service-productivity-paperless``;
    shared objects use ``<tool>-<object>`` (``velero-bp-productivity``). The docs write
    ``<a id="..."></a>`` with the same function, so links and targets cannot disagree.
    """
    slug = "-".join(re.sub(r"[^a-z0-9]+", "-", p.lower()).strip("-") for p in parts)
    return re.sub(r"-+", "-", slug)


def runbook_url(*parts: str) -> str:
    """``backups.md#<anchor>``: relative to the docs folder until :func:`runbook_link`."""
    return f"{DOCS_PAGE}#{anchor(*parts)}"


def docs_location(cluster: ClusterSpec) -> str:
    """Where the docs folder is read: its ``url``, else its path from the repository root
    (the output root and the folder as the policy writes them, never ``--output``)."""
    docs = cluster.docs
    if docs.url is not None:
        return docs.url.rstrip("/")
    root = cluster.output.root
    return docs.folder if root == "." else f"{root}/{docs.folder}"


def runbook_link(cluster: ClusterSpec, runbook: str) -> str:
    """A rule's ``runbook`` (relative to the docs folder) as its ``runbook_url``."""
    return f"{docs_location(cluster)}/{runbook}"


def service_runbook(service: EffectiveService) -> str:
    return runbook_url("service", service.namespace, service.name)


class Metric(Struct, frozen=True):
    """A metric an alert reads, the labels its exporter sets, and where that is defined
    upstream (``repo@tag:path (symbol)``, or how it was verified)."""

    name: str
    type: MetricType
    labels: tuple[str, ...]
    source: str


class AlertKind(Struct, frozen=True):
    """One kind of alert a tool raises, documented once in ``docs/alerts.md``.

    ``template`` is the expression with ``<placeholders>``; ``for_rule`` and
    ``severity_rule`` say how the rule's ``for`` and severity are chosen.
    """

    name: str
    tool: str
    meaning: str
    template: str
    metrics: tuple[Metric, ...]
    for_rule: str
    severity_rule: str = "from the class"
    labels_used: tuple[str, ...] = ()


class Subject(Struct, frozen=True):
    """What a set of rules is about: the severity, runbook and labels they share."""

    severity: str
    runbook: str
    labels: Mapping[str, str] = field(default_factory=dict)

    def rule(
        self, kind: AlertKind, expr: str, for_seconds: int, summary: str, description: str
    ) -> AlertRule:
        return AlertRule(
            kind, expr, for_seconds, self.severity, summary, description, self.runbook, self.labels
        )


class AlertRule(Struct, frozen=True):
    """One Prometheus alerting rule, ready to be written into a ``PrometheusRule``."""

    kind: AlertKind
    expr: str
    for_seconds: int
    severity: str
    summary: str
    description: str
    runbook: str
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.kind.name


class SharedAlerts(Struct, frozen=True):
    """Rules about shared objects, written as one ``PrometheusRule`` into the shared folder
    that holds those objects (so the rules live and go with what they watch)."""

    folder: str
    namespace: str
    name: str
    rules: tuple[AlertRule, ...]
    sources: tuple[str, ...] = ()


PanelStyle = Literal["bargauge", "timeseries"]


class Panel(Struct, frozen=True):
    """A dashboard panel that several tools may fill (panels are matched by title).

    ``steps`` are thresholds as (value, colour), the first value ignored (the base colour).
    """

    title: str
    description: str
    unit: str
    style: PanelStyle
    order: int
    steps: tuple[tuple[float, str], ...] = ()
    max_value: float | None = None
    min_value: float | None = 0.0


class PanelQuery(Struct, frozen=True):
    """One PromQL query of a panel, with the legend Grafana shows for its series."""

    panel: Panel
    expr: str
    legend: str


class ToolMonitoring(Protocol):
    """What the plan asks of a backup tool for alerts and the dashboard."""

    @property
    def alert_kinds(self) -> tuple[AlertKind, ...]: ...

    def alerts(self, context: PlanContext, service: EffectiveService) -> Iterable[AlertRule]:
        """Rules about one app's own objects (written into its backup Component)."""
        ...

    def shared_alerts(self, context: PlanContext) -> Iterable[SharedAlerts]:
        """Rules about shared objects (Velero schedules, cleanup CronJobs...)."""
        ...

    def panels(self, context: PlanContext) -> Iterable[PanelQuery]: ...


_LAST_INDEX: list[tuple[tuple[Coverage, ...], dict[str, list[Coverage]]]] = []


def _by_service(coverage: tuple[Coverage, ...]) -> dict[str, list[Coverage]]:
    """Coverage per service key, kept for the last analysis asked about: every tool asks
    for every service, and a scan per question would make the plan quadratic."""
    if not _LAST_INDEX or _LAST_INDEX[0][0] is not coverage:
        index: dict[str, list[Coverage]] = {}
        for entry in coverage:
            index.setdefault(entry.service.key, []).append(entry)
        _LAST_INDEX[:] = [(coverage, index)]
    return _LAST_INDEX[0][1]


def copies_of(
    context: PlanContext, service: EffectiveService, method: str
) -> list[tuple[str, str | None, Copy]]:
    """(item key, claim, copy) of every copy ``method`` makes of the service's items, in
    the order of the coverage: the gap of each is the item's effective RPO by that method."""
    return [
        (coverage.item.key, coverage.item.claim, copy)
        for coverage in _by_service(context.analysis.coverage).get(service.key, ())
        for copy in coverage.copies
        if copy.method == method
    ]
