"""The one interface every backup tool implements, and a base that contributes nothing.

A tool contributes, through the slots of :class:`Tool`:

- its part of the policy format (``slots``: class, cluster, service or namespace fields);
- to the analysis (:class:`compiler.analyse.ToolAnalysis`): whether it is a method, its
  scheduled jobs, the targets it names, the copies it makes of each data item, and the
  routines that keep a service restorable beyond them (checks, object backups);
- to the plan (:class:`compiler.plan.ToolPlanning`): objects and patches in an app's
  backup Component, and shared folders; and (:class:`compiler.plan.ToolMonitoring`) the
  kinds of alert it raises, its alert rules per app and per shared object, and the queries
  of the Grafana dashboard;
- to the docs (:class:`compiler.plan.ToolDocs`): the restore steps of each service
  (``runbook``), written into the generated disaster-recovery page;
- its rules (policy rules and tree rules), listed by ``compiler/registry.py``;
- to restore drills (:class:`compiler.plan.drills.ToolDrills`): for a restore test of its
  type, the manifests and checklist steps of one run (``drill``);
- to ``backup-policy import`` (:mod:`compiler.tools.importing`): the protection its objects
  already in the tree give, as policy blocks, and what of them it cannot map
  (``import_existing``); and to ``backup-policy coverage``, data its own objects hold in the
  tree (``census_items``).

:class:`ToolBase` returns nothing from every slot: a new tool overrides what it does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

from compiler.analyse import (
    Copy,
    DataItem,
    EffectiveService,
    Job,
    ScheduleBook,
    Scope,
    TargetRef,
    ToolAnalysis,
)
from compiler.analyse.coverage import Routine
from compiler.core.rule import Rule
from compiler.model.cluster import ClassDefaults, ClusterSpec, TargetType
from compiler.model.compose import Slot
from compiler.model.restore import RestoreTest
from compiler.plan import (
    AlertKind,
    AlertRule,
    AppContribution,
    PanelQuery,
    PlanContext,
    RunbookStep,
    SharedAlerts,
    SharedFolder,
    ToolPlanning,
)
from compiler.plan.drills import DrillContext, DrillPart
from compiler.policies import ServiceSource
from compiler.tools.importing import EMPTY, ImportedPart
from compiler.tree import Inventory
from compiler.tree.census import TreeItem


class Tool(ToolAnalysis, ToolPlanning, Protocol):
    """A backup tool: its settings, analysis, plan, rules, drills and import."""

    @property
    def title(self) -> str:
        """The tool's name as people write it (``K8up``), for messages and docs."""
        ...

    @property
    def slots(self) -> tuple[Slot[Any], ...]: ...

    @property
    def rules(self) -> tuple[Rule, ...]: ...

    def drill(
        self, context: DrillContext, test: RestoreTest, services: Sequence[EffectiveService]
    ) -> DrillPart | None:
        """The tool's part of a restore drill of ``test`` over ``services`` (its scope):
        manifests, checklist steps, test namespaces; None when the test is not the tool's."""
        ...

    def import_existing(self, inventory: Inventory) -> ImportedPart:
        """The protection the tree's own objects of this tool give today, in the terms of
        the policy format, and what of them cannot be mapped (``backup-policy import``)."""
        ...

    def census_items(self, inventory: Inventory) -> Iterable[TreeItem]:
        """Data the tree holds in this tool's own objects (a CloudNativePG Cluster), for the
        coverage census beside the PVCs and replicated databases every tree has."""
        ...


class ToolBase:
    """Every slot empty: a tool registered with nothing to contribute changes nothing."""

    name = "none"
    title = "None"
    method: str | None = None
    restore_test: str | None = None
    slots: tuple[Slot[Any], ...] = ()
    rules: tuple[Rule, ...] = ()
    alert_kinds: tuple[AlertKind, ...] = ()

    def applies_by_default(self, source: ServiceSource) -> bool:
        return True

    def has_settings(self, defaults: ClassDefaults) -> bool:
        return True

    def target_refs(self, cluster: ClusterSpec) -> Iterable[TargetRef]:
        return ()

    def jobs(self, scope: Scope) -> Iterable[Job]:
        return ()

    def items(self, service: EffectiveService) -> Iterable[DataItem]:
        return ()

    def copies(
        self, scope: Scope, service: EffectiveService, item: DataItem, book: ScheduleBook
    ) -> Iterable[Copy]:
        return ()

    def routines(self, scope: Scope, book: ScheduleBook) -> Iterable[tuple[str, Routine]]:
        return ()

    def plan_app(self, context: PlanContext, service: EffectiveService) -> AppContribution | None:
        return None

    def plan_shared(self, context: PlanContext) -> Iterable[SharedFolder]:
        return ()

    def alerts(self, context: PlanContext, service: EffectiveService) -> Iterable[AlertRule]:
        return ()

    def shared_alerts(self, context: PlanContext) -> Iterable[SharedAlerts]:
        return ()

    def panels(self, context: PlanContext) -> Iterable[PanelQuery]:
        return ()

    def drill(
        self, context: DrillContext, test: RestoreTest, services: Sequence[EffectiveService]
    ) -> DrillPart | None:
        return None

    def runbook(self, context: PlanContext, service: EffectiveService) -> Iterable[RunbookStep]:
        return ()

    def import_existing(self, inventory: Inventory) -> ImportedPart:
        return EMPTY

    def census_items(self, inventory: Inventory) -> Iterable[TreeItem]:
        return ()


class ClassBlockTool(ToolBase):
    """A tool set up per class by a block (``k8up:``, ``longhorn:``...) that names a target."""

    settings: Slot[Any]
    target_type: TargetType

    def has_settings(self, defaults: ClassDefaults) -> bool:
        return self.settings.of(defaults) is not None

    def target_refs(self, cluster: ClusterSpec) -> Iterator[TargetRef]:
        for name, defaults in cluster.classes.items():
            settings = self.settings.of(defaults)
            if settings is not None:
                path = ("spec", "classes", name, self.settings.key, "target")
                yield TargetRef(self.name, path, settings.target, self.target_type)
