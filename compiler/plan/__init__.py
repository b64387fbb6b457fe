"""Stage 5, plan: every file one compile produces, as data, and the app wiring it needs.

Tools contribute through :class:`ToolPlanning`: objects and patches for an app's backup
Component (:class:`AppContribution`) and shared folders (:class:`SharedFolder`). The stage
assembles the Components (one label patch per PVC, whichever tools asked for labels), the
folders' kustomizations, and the edits that wire a Component into its app.
"""

from compiler.plan.assemble import build_plan
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
    ToolPlanning,
    Wiring,
)

__all__ = [
    "CLASS_LABEL",
    "MANAGED_BY",
    "SERVICE_LABEL",
    "AppContribution",
    "AppObject",
    "ComponentPatch",
    "ComponentPlan",
    "ObjectRef",
    "OutputFile",
    "Plan",
    "PlanContext",
    "PvcLabels",
    "SharedFolder",
    "ToolPlanning",
    "Wiring",
    "build_plan",
]
