"""Stage 2, model: pydantic models of the policy format (v1alpha1).

The shared models are here; every tool adds its settings as slots and
:func:`compiler.model.compose.compose` builds the models policies are validated against.
"""

from compiler.model.cluster import ClusterPolicy
from compiler.model.restore import RestoreTestPlan
from compiler.model.service import ServicePolicy
from compiler.model.types import API_VERSION

__all__ = ["API_VERSION", "ClusterPolicy", "RestoreTestPlan", "ServicePolicy"]
