"""Verification of generated manifests against real schemas and the real kustomize (tests only).

- :class:`SchemaRegistry` / :func:`validate_stream`: custom resources against the upstream CRDs
  in ``../shared/crds`` (closed as in kubeconform's strict mode), core kinds through
  ``kubernetes-validate``.
- :func:`kustomize_build`: ``kubectl kustomize`` on a directory.
"""

from tests.support.validation.crds import CRDLoadError
from tests.support.validation.kustomize import KustomizeError, kustomize_build
from tests.support.validation.schemas import SchemaProblem, SchemaRegistry, validate_stream

__all__ = [
    "CRDLoadError",
    "KustomizeError",
    "SchemaProblem",
    "SchemaRegistry",
    "kustomize_build",
    "validate_stream",
]
