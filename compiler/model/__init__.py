"""Stage 2, model: pydantic models of the policy format (v1alpha1)."""

from compiler.model.cluster import ClusterPolicy
from compiler.model.restore import RestoreTestPlan
from compiler.model.service import ServicePolicy
from compiler.model.types import API_VERSION

KINDS: dict[str, type[ClusterPolicy | ServicePolicy | RestoreTestPlan]] = {
    "ClusterPolicy": ClusterPolicy,
    "ServicePolicy": ServicePolicy,
    "RestoreTestPlan": RestoreTestPlan,
}

__all__ = ["API_VERSION", "KINDS", "ClusterPolicy", "RestoreTestPlan", "ServicePolicy"]
