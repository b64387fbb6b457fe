"""The plan's values: output files as data, Component parts, and what tools contribute."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Literal, Protocol

from msgspec import Struct, field

from compiler.analyse import Analysis, EffectiveService
from compiler.core.rule import PathKey
from compiler.plan.alerts import ToolMonitoring
from compiler.plan.runbook import ToolDocs
from compiler.tree import Inventory

MANAGED_BY = {"app.kubernetes.io/managed-by": "backup-policy"}
SERVICE_LABEL = "backup-policy.io/service"
CLASS_LABEL = "backup-policy.io/class"

Document = Mapping[str, Any] | list[Any]
"""One YAML document: an object, or a JSON6902 patch (a list of operations)."""


class OutputFile(Struct, frozen=True):
    """A generated file: where it goes, the policies it comes from, and its content
    (YAML documents, or ``text`` for a file that is text by nature)."""

    path: str
    sources: tuple[str, ...]
    documents: tuple[Document, ...] = ()
    text: str | None = None


class ObjectRef(Struct, frozen=True):
    """What a kustomize patch targets."""

    kind: str
    name: str
    group: str = ""
    version: str = ""


class AppObject(Struct, frozen=True):
    """A resource of the Component (``file`` is relative to the Component folder)."""

    file: str
    documents: tuple[Document, ...]
    sources: tuple[str, ...] = ()


class ComponentPatch(Struct, frozen=True):
    """A patch of the Component; ``origin`` is the policy path that asked for its target
    and ``consequence`` what happens when kustomize skips it (it matches nothing)."""

    file: str
    target: ObjectRef
    documents: tuple[Document, ...]
    origin: PathKey
    consequence: str
    sources: tuple[str, ...] = ()


class PvcLabels(Struct, frozen=True):
    """Labels a tool needs on one of the app's PVCs (the plan adds the service's own)."""

    claim: str
    origin: PathKey
    labels: Mapping[str, str] = field(default_factory=dict)


class AppContribution(Struct, frozen=True):
    """What one tool (named as people write it) adds to one app's backup Component."""

    tool: str
    objects: tuple[AppObject, ...] = ()
    patches: tuple[ComponentPatch, ...] = ()
    pvc_labels: tuple[PvcLabels, ...] = ()


class SharedFolder(Struct, frozen=True):
    """Objects of a shared folder (e.g. the Longhorn RecurringJobs); the plan adds its
    kustomization.yaml and the Flux Kustomization that applies it. ``operator`` is the Helm
    chart that installs the tool (its Flux Kustomization is a dependency), '' for none."""

    path: str
    files: tuple[OutputFile, ...]
    operator: str = ""


class SharedPlan(Struct, frozen=True):
    """A planned shared folder: who put objects there (tools, ``dashboard``), which of them
    ``output.shared`` placed there, and the generated Flux Kustomization ('' when every
    owner was placed in a folder the user's Flux applies)."""

    folder: str
    owners: tuple[str, ...]
    placed: tuple[str, ...] = ()
    flux_file: str = ""


class Unwiring(Struct, frozen=True):
    """A kustomization that lists what this compile removes (a backup Component under
    ``components``, a generated file or folder under ``resources``): ``fixed`` is its text
    without every such entry (what ``compile --fix`` writes; '' when it cannot)."""

    file: str
    entry: str
    component: str
    at: tuple[int, int] = (1, 1)
    fixed: str = ""
    key: Literal["components", "resources"] = "components"


class ComponentPlan(Struct, frozen=True):
    """An app's backup Component: its folder and the patches it applies."""

    service: EffectiveService
    app_dir: str
    patches: tuple[ComponentPatch, ...]

    @property
    def folder(self) -> str:
        return f"{self.app_dir}/backup"


class Wiring(Struct, frozen=True):
    """How an app's kustomization stands towards its Component: ``listed``, or a problem
    (``missing`` kustomization, ``unreadable``, or ``unlisted`` with the ``fixed`` text)."""

    component: ComponentPlan
    state: Literal["listed", "missing", "unreadable", "unlisted"]
    file: str = ""
    at: tuple[int, int] = (1, 1)
    detail: str = ""
    reference: str = ""
    fixed: str = ""


class Plan(Struct, frozen=True):
    """Every file one compile produces, in path order, the Components and their wiring."""

    files: tuple[OutputFile, ...]
    components: tuple[ComponentPlan, ...] = ()
    wiring: tuple[Wiring, ...] = ()
    shared: tuple[SharedPlan, ...] = ()
    unwiring: tuple[Unwiring, ...] = ()
    unsubstituted: tuple[str, ...] = ()
    """Folders whose objects Flux applies without post-build substitution: their runtime
    ``${VAR}`` are not escaped (:func:`compiler.plan.flux.unsubstituted`)."""
    tree_after: Inventory | None = None
    """The tree as this compile leaves it (:func:`compiler.plan.overlay.after_compile`), with
    the indexes the plan built over it: the tree rules ask the same questions of it."""


class PlanContext(Struct, frozen=True):
    """What a tool plans from: the analysis and the user's tree; ``today`` is the day of
    the run (``--today``); None plans no docs (a drill's one-off plan)."""

    analysis: Analysis
    inventory: Inventory
    today: dt.date | None = None

    @property
    def cluster_file(self) -> str:
        return self.analysis.policies.cluster.file


class ToolPlanning(ToolMonitoring, ToolDocs, Protocol):
    """What the plan asks of a backup tool: Component parts, shared folders, (through
    :class:`ToolMonitoring`) alert rules and dashboard queries, and (through
    :class:`ToolDocs`) the restore steps of the generated runbook."""

    @property
    def name(self) -> str: ...

    def plan_app(
        self, context: PlanContext, service: EffectiveService
    ) -> AppContribution | None: ...

    def plan_shared(self, context: PlanContext) -> Iterable[SharedFolder]: ...
