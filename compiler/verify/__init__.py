"""Verification of generated manifests against real schemas and real tools.

- :class:`SchemaRegistry` / :func:`validate_stream`: custom resources against upstream CRDs
  (closed as in kubeconform's strict mode), core kinds through ``kubernetes-validate``.
- :func:`kustomize_build`: ``kubectl kustomize`` on a directory.

Names are imported lazily so that ``import compiler.verify.<module>`` stays cheap for the
stages (and the pre-commit hook) that need none of this.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compiler.verify.crds import CRDLoadError
    from compiler.verify.kustomize import KustomizeError, kustomize_build
    from compiler.verify.schemas import SchemaProblem, SchemaRegistry, validate_stream

__all__ = [
    "CRDLoadError",
    "KustomizeError",
    "SchemaProblem",
    "SchemaRegistry",
    "kustomize_build",
    "validate_stream",
]

_HOMES = {
    "CRDLoadError": "compiler.verify.crds",
    "KustomizeError": "compiler.verify.kustomize",
    "kustomize_build": "compiler.verify.kustomize",
    "SchemaProblem": "compiler.verify.schemas",
    "SchemaRegistry": "compiler.verify.schemas",
    "validate_stream": "compiler.verify.schemas",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
