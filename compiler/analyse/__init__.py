"""Stage 4, analyse: effective settings, spread schedules and the coverage of every item.

The stage asks each tool (through :class:`ToolAnalysis`) what it schedules, which copies
it makes and which routines (checks, object backups) it runs for each service; it never
names a tool.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from msgspec import Struct, field
from msgspec.structs import replace

from compiler.analyse.coverage import (
    Copy,
    Coverage,
    DataItem,
    Routine,
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
    "Routine",
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

    @property
    def restore_test(self) -> str | None:
        """The restore-test type whose drill restores this tool's copies (None: none)."""
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

    def routines(self, scope: Scope, book: ScheduleBook) -> Iterable[tuple[str, Routine]]:
        """(service key, routine): the periodic jobs beyond the copies that keep a service
        restorable (checks of its copies, backups of its objects), each with how far apart
        its runs can be."""
        ...


class Analysis(Struct, frozen=True):
    """The policies with everything derived from them that later stages need."""

    policies: Policies
    services: tuple[EffectiveService, ...]
    schedules: ScheduleBook
    coverage: tuple[Coverage, ...]
    target_refs: tuple[TargetRef, ...]
    restorable: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Per service key, the restore-test types whose drill restores one of its copies."""
    routines: Mapping[str, tuple[Routine, ...]] = field(default_factory=dict)
    """Per service key, the tools' routines for it, by name."""

    @property
    def scope(self) -> Scope:
        return Scope(self.policies, self.services)

    def restored_by(self, service: EffectiveService) -> frozenset[str]:
        """The restore-test types that can restore something of ``service``."""
        return self.restorable.get(service.key, frozenset())


def _coverage(
    scope: Scope, tools: Sequence[ToolAnalysis], book: ScheduleBook
) -> tuple[list[Coverage], dict[str, frozenset[str]]]:
    """Every item's copies, and per service the restore-test types that restore something
    of it."""
    found = []
    restorable: dict[str, set[str]] = {}
    for service in scope.services:
        tested = restorable.setdefault(service.key, set())
        # a tool the service uses restores what it backs up of it (Velero: the namespace's
        # objects, no data item); a tool that copies one of its items restores that
        tested.update(
            t.restore_test for t in tools if t.restore_test and t.method in service.methods
        )
        items = policy_items(service) + [i for t in tools for i in t.items(service)]
        for item in items:
            copies: list[Copy] = []
            restores: set[str] = set()
            for tool in tools:
                made = [
                    replace(with_target_flags(c, scope.cluster), tool=tool.name)
                    for c in tool.copies(scope, service, item, book)
                ]
                if made and tool.restore_test is not None:
                    restores.add(tool.restore_test)
                copies += made
            tested |= restores
            found.append(Coverage(service, item, tuple(copies), frozenset(restores)))
    return found, {key: frozenset(tests) for key, tests in restorable.items()}


def _routines(
    scope: Scope, tools: Sequence[ToolAnalysis], book: ScheduleBook
) -> dict[str, tuple[Routine, ...]]:
    found: dict[str, list[Routine]] = {service.key: [] for service in scope.services}
    for tool in tools:
        for key, routine in tool.routines(scope, book):
            found[key].append(routine)
    return {key: tuple(sorted(r, key=lambda r: r.name)) for key, r in found.items()}


def analyse(policies: Policies, tools: Sequence[ToolAnalysis]) -> Analysis:
    """Resolve services and schedules, and compute every item's coverage."""
    filters = {t.method: t.applies_by_default for t in tools if t.method is not None}
    scope = Scope(policies, tuple(effective_services(policies, filters)))
    book = resolve_all([job for tool in tools for job in tool.jobs(scope)])
    refs = tuple(ref for tool in tools for ref in tool.target_refs(scope.cluster))
    coverage, restorable = _coverage(scope, tools, book)
    routines = _routines(scope, tools, book)
    return Analysis(policies, scope.services, book, tuple(coverage), refs, restorable, routines)
