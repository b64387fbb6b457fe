"""Assembling the plan from the tools' contributions (no tool is named here).

Alert rules join the Components (one ``PrometheusRule`` per app) and the shared folders
whose objects they watch; the dashboard is a shared folder of its own. The docs are added
to the plan afterwards (``compiler/plan/docs``, by the build pipeline: ``validate``, which
imports the plan's types through the tools, never loads their templates).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from msgspec.structs import replace

from compiler.analyse import EffectiveService
from compiler.plan.flux import unsubstituted
from compiler.plan.labels import label_patch
from compiler.plan.overlay import after_compile
from compiler.plan.prometheusrule import app_rules
from compiler.plan.shared import shared_folders
from compiler.plan.types import (
    CLASS_LABEL,
    SERVICE_LABEL,
    AppContribution,
    ComponentPatch,
    ComponentPlan,
    ObjectRef,
    OutputFile,
    Plan,
    PlanContext,
    ToolPlanning,
)
from compiler.plan.unwiring import unwiring
from compiler.plan.wiring import wiring
from compiler.tree import Inventory
from compiler.tree.claims import app_claims
from compiler.tree.fluxapps import written_name


def _pvc_patches(
    context: PlanContext, service: EffectiveService, contributions: list[AppContribution]
) -> list[ComponentPatch]:
    """One label patch per PVC, with the labels of every tool that asked for it, on the
    object that makes the PVC (:mod:`compiler.plan.labels`)."""
    merged: dict[str, dict[str, str]] = {}
    origins: dict[str, Any] = {}
    users: dict[str, list[str]] = {}
    for contribution in contributions:
        for request in contribution.pvc_labels:
            labels = merged.setdefault(
                request.claim, {SERVICE_LABEL: service.name, CLASS_LABEL: service.classification}
            )
            labels.update(request.labels)
            origins.setdefault(request.claim, request.origin)
            users.setdefault(request.claim, []).append(contribution.tool)
    patches = []
    found = app_claims(context.inventory, service.app_dir) if merged else None
    for claim, labels in merged.items():
        made_by = found.named(claim) if found is not None else None
        target, document = label_patch(claim, made_by, dict(sorted(labels.items())))
        tools = " and ".join(dict.fromkeys(users[claim]))
        patches.append(
            ComponentPatch(
                f"patches/pvc-{claim}.yaml",
                target,
                (document,),
                origins[claim],
                f"the PVC gets no backup labels, so {tools} would back up nothing",
                (service.source.file,),
            )
        )
    return patches


def _target(ref: ObjectRef) -> dict[str, str]:
    target = {"group": ref.group} if ref.group else {}
    if ref.version:
        target["version"] = ref.version
    return {**target, "kind": ref.kind, "name": _selector(ref.name)}


_REGEX_SPECIAL = re.compile(r"([\\.+*?()|\[\]{}^$])")


def _selector(name: str) -> str:
    """A target's name as kustomize reads it: an anchored regular expression. A name
    written with a Flux variable (``${APP}``) is matched as written, its ``$``, ``{`` and
    ``}`` escaped; a DNS name's dots are left as they are (a dot matches itself)."""
    return _REGEX_SPECIAL.sub(r"\\\1", name) if "${" in name else name


def _as_written(inventory: Inventory, app_dir: str, patch: ComponentPatch) -> ComponentPatch:
    """``patch`` aimed at its target's name as the tree writes it (``${APP}``: kustomize
    builds before Flux substitutes, and skips a patch whose target matches nothing)."""
    target = patch.target
    written = written_name(inventory, app_dir, target.kind, target.name)
    return patch if written == target.name else replace(patch, target=replace(target, name=written))


def _component(
    context: PlanContext, service: EffectiveService, contributions: list[AppContribution]
) -> tuple[ComponentPlan, list[OutputFile]] | None:
    folder = f"{service.app_dir}/backup"
    own = (service.source.file, context.cluster_file)
    objects = [o for c in contributions for o in c.objects]
    patches = [p for c in contributions for p in c.patches]
    patches += _pvc_patches(context, service, contributions)
    patches = [_as_written(context.inventory, service.app_dir, p) for p in patches]
    if not objects and not patches:
        return None  # kustomize refuses an empty Component
    patches.sort(key=lambda p: p.file)
    files = [OutputFile(f"{folder}/{o.file}", o.sources or own, o.documents) for o in objects]
    files += [OutputFile(f"{folder}/{p.file}", p.sources or own, p.documents) for p in patches]
    document: dict[str, Any] = {
        "apiVersion": "kustomize.config.k8s.io/v1alpha1",
        "kind": "Component",
    }
    if objects:
        document["resources"] = sorted(o.file for o in objects)
    if patches:
        document["patches"] = [{"path": p.file, "target": _target(p.target)} for p in patches]
    files.append(OutputFile(f"{folder}/kustomization.yaml", own, (document,)))
    return ComponentPlan(service, service.app_dir, tuple(patches)), files


def build_plan(context: PlanContext, tools: Sequence[ToolPlanning]) -> Plan:
    """Every file of every tool, sorted by path (two files on one path are a bug)."""
    files: list[OutputFile] = []
    components: list[ComponentPlan] = []
    for service in context.analysis.services:
        contributions = [c for t in tools if (c := t.plan_app(context, service)) is not None]
        rules = app_rules(context, service, tools)
        if rules is not None:
            contributions.append(rules)
        assembled = _component(context, service, contributions)
        if assembled is not None:
            components.append(assembled[0])
            files.extend(assembled[1])
    shared, folders = shared_folders(context, tools)
    files.extend(shared)
    files.sort(key=lambda f: f.path)
    paths = [f.path for f in files]
    if len(paths) != len(set(paths)):
        raise RuntimeError("two planned files share a path")
    plan = Plan(
        tuple(files),
        tuple(components),
        wiring(components, context.inventory),
        tuple(folders),
        unwiring(files, context.inventory),
    )
    # which Kustomizations apply a generated folder is a question about the tree this
    # compile leaves: asked of the tree before it, a shared folder not yet written seemed
    # applied by none, and the next compile escaped it otherwise (not a fixed point)
    left = after_compile(context.inventory, plan)
    return replace(plan, unsubstituted=unsubstituted(left, components, folders), tree_after=left)
