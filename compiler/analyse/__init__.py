"""Stage 4, analyse: effective settings, spread schedules and the coverage of every item.

The stage asks each tool (through :class:`ToolAnalysis`) what it schedules and which
copies it makes; it never names a tool.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from msgspec import Struct

from compiler.analyse.coverage import (
    Copy,
    Coverage,
    DataItem,
    file_level,
    policy_items,
    with_target_flags,
)
from compiler.analyse.effective import EffectiveService, effective_services
from compiler.analyse.schedule import Job, ScheduleBook, resolve_all
from compiler.core.rule import PathKey
from compiler.model.cluster import ClassDefaults, ClusterSpec, TargetType
from compiler.policies import Policies, ServiceSource

__all__ = [
    "Analysis",
    "Copy",
    "Coverage",
    "DataItem",
    "EffectiveService",
    "Job",
    "ScheduleBook",
    "Scope",
    "TargetRef",
    "ToolAnalysis",
    "analyse",
    "file_level",
]


class Scope(Struct, frozen=True):
    """The policies and the services resolved from them: what a tool's analysis reads."""

    policies: Policies
    services: tuple[EffectiveService, ...]

    @property
    def cluster(self) -> ClusterSpec:
        return self.policies.cluster.policy.spec


class TargetRef(Struct, frozen=True):
    """A tool setting in the cluster policy that names a target of ``spec.targets``."""

    tool: str
    path: PathKey
    name: str
    wanted: TargetType


class ToolAnalysis(Protocol):
    """What the analysis asks of a backup tool."""

    @property
    def name(self) -> str: ...

    @property
    def method(self) -> str | None:
        """The ``methods:`` value that turns the tool on (None: the tool is not a method)."""
        ...

    def applies_by_default(self, source: ServiceSource) -> bool:
        """Whether the method applies when a service's class (not the service) lists it."""
        ...

    def has_settings(self, defaults: ClassDefaults) -> bool: ...

    def target_refs(self, cluster: ClusterSpec) -> Iterable[TargetRef]: ...

    def jobs(self, scope: Scope) -> Iterable[Job]: ...

    def items(self, service: EffectiveService) -> Iterable[DataItem]:
        """Data items the tool knows of beyond the policy's volumes and databases."""
        ...

    def copies(
        self, scope: Scope, service: EffectiveService, item: DataItem, book: ScheduleBook
    ) -> Iterable[Copy]: ...


class Analysis(Struct, frozen=True):
    """The policies with everything derived from them that later stages need."""

    policies: Policies
    services: tuple[EffectiveService, ...]
    schedules: ScheduleBook
    coverage: tuple[Coverage, ...]
    target_refs: tuple[TargetRef, ...]

    @property
    def scope(self) -> Scope:
        return Scope(self.policies, self.services)


def _coverage(scope: Scope, tools: Sequence[ToolAnalysis], book: ScheduleBook) -> list[Coverage]:
    found = []
    for service in scope.services:
        items = policy_items(service) + [i for t in tools for i in t.items(service)]
        for item in items:
            copies = (
                with_target_flags(copy, scope.cluster)
                for tool in tools
                for copy in tool.copies(scope, service, item, book)
            )
            found.append(Coverage(service, item, tuple(copies)))
    return found


def analyse(policies: Policies, tools: Sequence[ToolAnalysis]) -> Analysis:
    """Resolve services and schedules, and compute every item's coverage."""
    filters = {t.method: t.applies_by_default for t in tools if t.method is not None}
    scope = Scope(policies, tuple(effective_services(policies, filters)))
    book = resolve_all([job for tool in tools for job in tool.jobs(scope)])
    refs = tuple(ref for tool in tools for ref in tool.target_refs(scope.cluster))
    return Analysis(policies, scope.services, book, tuple(_coverage(scope, tools, book)), refs)
