"""Stage 4, plan: the files to generate, each a template plus resolved, typed values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compiler.analyse import Analysis

MANAGED_BY = {"app.kubernetes.io/managed-by": "backup-policy"}
SERVICE_LABEL = "backup-policy.io/service"
CLASS_LABEL = "backup-policy.io/class"


@dataclass(frozen=True)
class PlannedFile:
    """One output file: where it goes, which template renders it, from which policies."""

    path: str
    template: str
    sources: tuple[str, ...]
    values: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """Every file one compile produces, in path order, plus the app folders it wires up."""

    files: tuple[PlannedFile, ...]
    components: tuple[ComponentRef, ...]


@dataclass(frozen=True)
class ComponentRef:
    """An app folder whose kustomization must list the generated backup Component."""

    app_dir: str
    service: str
    source: str
    line: int = 0
    col: int = 0


def build_plan(analysis: Analysis) -> Plan:
    """All files of all tools, sorted by path (duplicates are a bug)."""
    from compiler.plan import apps, shared

    files = [*apps.plan_apps(analysis), *shared.plan_shared(analysis)]
    files.sort(key=lambda f: f.path)
    paths = [f.path for f in files]
    if len(paths) != len(set(paths)):
        raise RuntimeError("two planned files share a path")
    return Plan(tuple(files), tuple(apps.component_refs(analysis, set(paths))))
