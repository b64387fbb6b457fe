"""The Grafana dashboard "Backups": one per cluster, a ConfigMap for the Grafana sidecar.

Tools contribute :class:`PanelQuery` values (their metrics, selected for the objects the
compiler generated); panels are shared by title, so the age of every item's last success
stands against its stale threshold in one bar gauge, whatever tool made the copy. The
restore-test panel comes from the restore-test plan itself: days until each test is due,
computed by Prometheus from the date of its last passing run, so it turns red when the
date passes even if nobody compiles.

The JSON is built with grafana-foundation-sdk (``compiler/plan/grafana.py``), imported only
here, when a dashboard is built, so ``validate`` never pays for it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from compiler.analyse.evidence import standing
from compiler.model.restore import RestoreTest
from compiler.plan import dashboard_cache
from compiler.plan.alerts import Panel, PanelQuery
from compiler.plan.k8s import managed, metadata
from compiler.plan.types import OutputFile, PlanContext, SharedFolder, ToolPlanning

FOLDER = "kubernetes/apps/observability/backup-policy"
NAMESPACE = "observability"
CONFIG_MAP = "backup-policy-dashboard"
DATA_KEY = "backups.json"
SIDECAR_LABEL = {"grafana_dashboard": "1"}
UID = "backup-policy-backups"
TITLE = "Backups"

RATIO_STEPS = ((0.0, "green"), (0.8, "orange"), (1.0, "red"))
STALE_RATIO = Panel(
    "Last success age / stale threshold",
    "Age of each item's last successful copy divided by its stale threshold (the effective "
    "RPO its method gives it): 100% is where the staleness alert starts counting.",
    "percentunit",
    "bargauge",
    10,
    RATIO_STEPS,
    1.5,
)
FAILURES = Panel(
    "Failed runs",
    "Failed backup, maintenance and cleanup runs (per hour), and Longhorn backups in Error.",
    "short",
    "timeseries",
    30,
)
RESTORE_TESTS = Panel(
    "Restore tests: days until due",
    "Days until each restore test is due again (last passing run + frequency + grace "
    "period); negative is overdue, -1 also means the last run did not pass.",
    "d",
    "bargauge",
    90,
    ((0.0, "red"), (0.0, "orange"), (14.0, "green")),
    min_value=None,
)


def _epoch(day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp())


def _restore_query(test: RestoreTest, grace: int) -> PanelQuery:
    # the due date does not depend on the day: the panel counts down to it in Prometheus
    where = standing(test, 0, grace, dt.date.min)
    legend = f"{test.id} {test.title}"
    if where.due is None or where.failing:
        last = where.last_run
        state = "never passed" if where.due is None or last is None else f"last run {last.result}"
        return PanelQuery(RESTORE_TESTS, "vector(-1)", f"{legend} ({state})")
    due = _epoch(where.due) + grace
    return PanelQuery(RESTORE_TESTS, f"({due} - time()) / 86400", legend)


def restore_queries(context: PlanContext) -> list[PanelQuery]:
    plan = context.analysis.policies.restore_plan
    if plan is None:
        return []
    grace = plan.policy.spec.grace_period
    return [_restore_query(test, grace) for test in plan.policy.spec.tests]


def grouped(queries: Sequence[PanelQuery]) -> list[tuple[Panel, list[PanelQuery]]]:
    """Panels in their order (then title), each with its queries in contribution order."""
    panels: dict[str, tuple[Panel, list[PanelQuery]]] = {}
    for query in queries:
        panels.setdefault(query.panel.title, (query.panel, []))[1].append(query)
    return sorted(panels.values(), key=lambda entry: (entry[0].order, entry[0].title))


def dashboard_json(panels: list[tuple[Panel, list[PanelQuery]]]) -> dict[str, Any]:
    """The dashboard's JSON: built by the SDK, or as a recent run built it from the same
    panels (:mod:`compiler.plan.dashboard_cache`)."""
    name = dashboard_cache.key(TITLE, UID, panels)
    model = dashboard_cache.load(name)
    if model is None:
        from compiler.plan import grafana  # the SDK: imported only when a dashboard is built

        model = grafana.build(TITLE, UID, panels)
        dashboard_cache.save(name, model)
    return model


def _sources(context: PlanContext) -> tuple[str, ...]:
    policies = context.analysis.policies
    plan = [policies.restore_plan.file] if policies.restore_plan is not None else []
    return (
        context.cluster_file,
        *plan,
        *sorted({s.source.file for s in context.analysis.services}),
    )


def dashboard_folder(context: PlanContext, tools: Sequence[ToolPlanning]) -> SharedFolder | None:
    """The ConfigMap the Grafana sidecar loads (label ``grafana_dashboard: "1"``)."""
    queries = [q for tool in tools for q in tool.panels(context)] + restore_queries(context)
    if not queries:
        return None
    model = dashboard_json(grouped(queries))
    text = json.dumps(model, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(CONFIG_MAP, NAMESPACE, managed(**SIDECAR_LABEL)),
        # Grafana's own ``${datasource}`` is escaped for Flux by the render stage, like
        # every generated string (compiler/core/emit.py ``flux_escaped``).
        "data": {DATA_KEY: text},
    }
    files = (OutputFile(f"{FOLDER}/dashboard.yaml", _sources(context), (config_map,)),)
    return SharedFolder(FOLDER, files)
