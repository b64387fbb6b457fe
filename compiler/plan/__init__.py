"""Stage 5, plan: every file one compile produces, as data, and the app wiring it needs.

Tools contribute through :class:`ToolPlanning`: objects and patches for an app's backup
Component (:class:`AppContribution`) and shared folders (:class:`SharedFolder`); through
:class:`ToolMonitoring` alert rules (:class:`AlertRule`, :class:`SharedAlerts`) and dashboard
queries (:class:`PanelQuery`); and through :class:`ToolDocs` the restore steps of the
generated runbook (:class:`RunbookStep`). The stage assembles the Components (one label
patch per PVC, whichever tools asked for labels; one ``PrometheusRule`` per app), the
folders' kustomizations (with a ``PrometheusRule`` where shared objects have alerts), the
Grafana dashboard, the generated docs (``docs/``), and the edits that wire a Component into
its app.

``build_plan`` is imported from :mod:`compiler.plan.assemble`, not from here: the types
below are what ``validate`` (the pre-commit fast path) needs of this package, and
assembling a plan pulls in the kustomization editor (ruamel.yaml) and every planner.
"""

from compiler.plan.alerts import (
    AlertKind,
    AlertRule,
    Metric,
    Panel,
    PanelQuery,
    SharedAlerts,
    ToolMonitoring,
)
from compiler.plan.runbook import RunbookStep, ToolDocs
from compiler.plan.types import (
    CLASS_LABEL,
    MANAGED_BY,
    SERVICE_LABEL,
    AppContribution,
    AppObject,
    ComponentPatch,
    ComponentPlan,
    ObjectRef,
    OutputFile,
    Plan,
    PlanContext,
    PvcLabels,
    SharedFolder,
    SharedPlan,
    ToolPlanning,
    Unwiring,
    Wiring,
)

__all__ = [
    "CLASS_LABEL",
    "MANAGED_BY",
    "SERVICE_LABEL",
    "AlertKind",
    "AlertRule",
    "AppContribution",
    "AppObject",
    "ComponentPatch",
    "ComponentPlan",
    "Metric",
    "ObjectRef",
    "OutputFile",
    "Panel",
    "PanelQuery",
    "Plan",
    "PlanContext",
    "PvcLabels",
    "RunbookStep",
    "SharedAlerts",
    "SharedFolder",
    "SharedPlan",
    "ToolDocs",
    "ToolMonitoring",
    "ToolPlanning",
    "Unwiring",
    "Wiring",
]
