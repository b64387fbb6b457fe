"""Flux wiring: every generated shared folder is applied by a Flux Kustomization that the
cluster's entry reaches, with the values of the targets' Flux variables, and
``output.shared`` names tools that exist."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from compiler.core.diagnostics import Diagnostic
from compiler.core.fluxvar import flux_variable
from compiler.core.text import did_you_mean
from compiler.model.cluster import flux_variables
from compiler.plan import Plan, SharedPlan
from compiler.plan.flux import substitute_from
from compiler.rules import PolicyContext, TreeContext, policy_rule, tree_rule
from compiler.tree import Inventory
from compiler.tree.fluxreach import Reach, exists, normal, reach

DASHBOARD = "dashboard"


def _nearest(folder: str, found: Reach) -> str | None:
    """The closest folder above ``folder`` whose kustomization.yaml Flux builds."""
    parent = posixpath.dirname(folder)
    while parent:
        if parent in found.folders:
            return parent
        parent = posixpath.dirname(parent)
    return "." if "." in found.folders else None


def _hint(inventory: Inventory, shared: SharedPlan, found: Reach) -> str:
    what = shared.flux_file or shared.folder
    above = _nearest(shared.folder, found)
    if above is None:
        return f"list {what} in a kustomization that the Flux entry reaches"
    kustomization = inventory.kustomizations[above].file
    entry = "./" + posixpath.relpath(what, above)
    return f"add {entry} to the resources of {inventory.shown(kustomization)}"


def _owners(shared: SharedPlan) -> str:
    return ", ".join(shared.owners)


@tree_rule(
    "BP408",
    "flux-unreached",
    "error",
    passing="resources: [./longhorn/recurring-jobs/ks.yaml]  # kubernetes/apps/storage/",
    failing="no kustomization Flux applies lists the generated recurring-jobs/ks.yaml",
)
def unreached(context: TreeContext) -> Iterator[Diagnostic]:
    """Flux applies every generated shared folder.

    A folder that no Flux Kustomization applies is never applied: the RecurringJobs, the
    Velero Schedules, the Litestream cleanup silently do not exist while every check
    passes. From the cluster's entry (``spec.flux.entry``, the folder Flux's sync applies)
    every Flux Kustomization is followed the way kustomize-controller builds its path (a
    folder without kustomization.yaml gets every YAML file below it, a sub-folder with one
    as a whole); the generated ``ks.yaml`` beside each folder is counted once something
    lists it.
    """
    if not context.plan.shared:
        return
    cluster = context.analysis.policies.cluster
    entry = normal(cluster.policy.spec.flux.entry)
    after = context.tree_after
    if not exists(after, entry):
        yield _no_entry(context, entry)
        return
    found = reach(after, entry)
    for shared in context.plan.shared:
        if shared.folder in found.folders:
            continue
        yield unreached.diagnostic(
            context.inventory.shown(f"{shared.folder}/kustomization.yaml"),
            1,
            1,
            f"no Flux Kustomization reached from {entry} applies this generated folder "
            f"({_owners(shared)}): its objects would never reach the cluster",
            _hint(after, shared, found),
        )


def _no_entry(context: TreeContext, entry: str) -> Diagnostic:
    folders = ", ".join(s.folder for s in context.plan.shared)
    return unreached.at(
        context.analysis.policies.cluster.doc,
        ("spec", "flux", "entry"),
        f"no Flux entry {context.inventory.shown(entry)}: nothing shows that Flux applies "
        f"the generated folders ({folders})",
        "set spec.flux.entry to the folder your cluster's Flux sync applies "
        "(flux bootstrap --path)",
    )


@policy_rule(
    "BP411",
    "output-shared-name",
    "error",
    passing="output: {shared: {longhorn: kubernetes/apps/storage/longhorn/app/bp}}",
    failing="output: {shared: {longhron: kubernetes/apps/storage/longhorn/app/bp}}",
)
def shared_name(context: PolicyContext) -> Iterator[Diagnostic]:
    """``output.shared`` names backup tools (or ``dashboard``).

    A misspelt name places nothing: the tool's objects stay in their own folder, which the
    user's Flux may not apply.
    """
    cluster = context.analysis.policies.cluster
    names = sorted({t.name for t in context.tools} | {DASHBOARD})
    for name in cluster.policy.spec.output.shared:
        if name not in names:
            yield shared_name.at(
                cluster.doc,
                ("spec", "output", "shared", name),
                f"output.shared names {name!r}, which is no backup tool",
                did_you_mean(name, names) or f"use one of: {', '.join(names)}",
                key=True,
            )


@tree_rule(
    "BP412",
    "flux-variables-unfilled",
    "error",
    passing="targets: {garage: {bucket: ${S3_BUCKET}}}  # the apps' ks.yaml: substituteFrom",
    failing="targets: {garage: {bucket: ${S3_BUCKET}}}  # no ks.yaml has substituteFrom",
)
def variables_unfilled(context: TreeContext) -> Iterator[Diagnostic]:
    """A target's Flux variable has a value wherever it is written.

    Flux substitutes a Kustomization's objects only from its own ``postBuild``, and blanks a
    variable it has no value for. An app whose Flux Kustomization has no postBuild variable
    is not substituted at all: the variable would reach the cluster as written. The
    generated ``ks.yaml`` of a shared folder copies the ``substituteFrom`` most of the
    tree's Flux Kustomizations use; with none to copy, the cleanup CronJob or a namespace
    K8up Schedule there would get an empty bucket or endpoint and every run would fail.
    """
    cluster = context.analysis.policies.cluster
    if not flux_variables(cluster.policy.spec):
        return
    copied = bool(substitute_from(context.inventory))
    hint = (
        "add postBuild.substituteFrom (the Secret or ConfigMap with the value) to the apps' "
        "Flux Kustomizations, or write the value itself"
    )
    for name, target in cluster.policy.spec.targets.items():
        for key in ("endpoint", "bucket", "region"):
            value = getattr(target, key, "")
            variable = flux_variable(value)
            if variable is None:
                continue
            problems = []
            kept = _unsubstituted(context.plan, value)
            if kept:
                problems.append(
                    f"Flux does not substitute the objects of {', '.join(kept)} (no Flux "
                    f"Kustomization applying them has a postBuild variable), so they would "
                    f"get {value} as written"
                )
            # Flux takes a default where it has no value
            blanked = (
                [] if copied or variable.default is not None else _applying(context.plan, value)
            )
            if blanked:
                problems.append(
                    "no Flux Kustomization of the tree has a postBuild.substituteFrom to copy, "
                    f"so Flux would blank it in the folders of {', '.join(blanked)}"
                )
            for problem in problems:
                where = ("spec", "targets", name, key)
                yield variables_unfilled.at(cluster.doc, where, f"{key} {value}: {problem}", hint)


def _mentions(value: object, token: str) -> bool:
    if isinstance(value, str):
        return token in value
    if isinstance(value, dict):
        return any(_mentions(v, token) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_mentions(v, token) for v in value)
    return False


def _applying(plan: Plan, token: str) -> list[str]:
    """The generated ks.yaml files whose folder has an object that names ``token``."""
    return [
        shared.flux_file
        for shared in plan.shared
        if shared.flux_file
        and any(
            f.path.startswith(shared.folder + "/") and _mentions(f.documents, token)
            for f in plan.files
        )
    ]


def _unsubstituted(plan: Plan, token: str) -> list[str]:
    """The folders Flux applies without substitution whose objects name ``token``."""
    return [
        folder
        for folder in plan.unsubstituted
        if any(
            f.path.startswith(f"{folder}/") and _mentions(f.documents, token) for f in plan.files
        )
    ]


RULES = (unreached, shared_name, variables_unfilled)
