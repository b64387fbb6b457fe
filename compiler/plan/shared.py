"""Shared folders: where each tool's shared objects go, with their kustomization.yaml and
the Flux Kustomization that applies them (no tool is named here).

A tool's objects go to its own folder, or to the folder ``output.shared.<tool>`` names (one
the user's Flux already applies: no ``ks.yaml`` is generated for it); ``dashboard`` names the
Grafana dashboard's. The alert rules about shared objects follow them. A folder that holds
objects of an owner that was not placed elsewhere gets its ``ks.yaml``
(:mod:`compiler.plan.flux`).
"""

from __future__ import annotations

from collections.abc import Sequence

from msgspec import Struct, field

from compiler.model.cluster import flux_variables
from compiler.plan.dashboard import dashboard_folder
from compiler.plan.flux import KS_FILE, flux_kustomization, substitute_from
from compiler.plan.k8s import kustomization
from compiler.plan.prometheusrule import shared_rules
from compiler.plan.types import OutputFile, PlanContext, SharedFolder, SharedPlan, ToolPlanning

DASHBOARD = "dashboard"


class _Folder(Struct):
    files: list[OutputFile] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)
    placed: list[str] = field(default_factory=list)
    operators: list[str] = field(default_factory=list)


def _moved(shared: SharedFolder, folder: str) -> list[OutputFile]:
    """The folder's files with their paths in ``folder``."""
    if folder == shared.path:
        return list(shared.files)
    prefix = f"{shared.path}/"
    return [
        OutputFile(f"{folder}/{f.path.removeprefix(prefix)}", f.sources, f.documents, f.text)
        for f in shared.files
    ]


def _owned(context: PlanContext, tools: Sequence[ToolPlanning]) -> list[tuple[str, SharedFolder]]:
    found = [(t.name, f) for t in tools for f in t.plan_shared(context)]
    dashboard = dashboard_folder(context, tools)
    return found + ([(DASHBOARD, dashboard)] if dashboard is not None else [])


def _add(folders: dict[str, _Folder], owner: str, place: str, placed: bool) -> _Folder:
    folder = folders.setdefault(place, _Folder())
    if owner not in folder.owners:
        folder.owners.append(owner)
    if placed and owner not in folder.placed:
        folder.placed.append(owner)
    return folder


def _gather(context: PlanContext, tools: Sequence[ToolPlanning]) -> dict[str, _Folder]:
    places = context.analysis.policies.cluster.policy.spec.output.shared
    folders: dict[str, _Folder] = {}
    for owner, shared in _owned(context, tools):
        place = places.get(owner, shared.path)
        folder = _add(folders, owner, place, owner in places)
        folder.files += _moved(shared, place)
        if shared.operator and shared.operator not in folder.operators:
            folder.operators.append(shared.operator)
    for rules in shared_rules(context, tools, places):
        folders.setdefault(rules.path.rpartition("/")[0], _Folder()).files.append(rules)
    return folders


def shared_folders(
    context: PlanContext, tools: Sequence[ToolPlanning]
) -> tuple[list[OutputFile], list[SharedPlan]]:
    """Every shared folder's files with their kustomization.yaml and ks.yaml."""
    cluster = context.analysis.policies.cluster.policy.spec
    substitution = cluster.flux.substitution
    sources = substitute_from(context.inventory) if flux_variables(cluster) else []
    files: list[OutputFile] = []
    plans: list[SharedPlan] = []
    for path, folder in sorted(_gather(context, tools).items()):
        if not folder.files:
            continue
        files.extend(folder.files)
        names = sorted(f.path.rpartition("/")[2] for f in folder.files)
        own = (context.cluster_file,)
        files.append(OutputFile(f"{path}/kustomization.yaml", own, (kustomization(names),)))
        flux_file = ""
        if set(folder.owners) - set(folder.placed):
            flux_file = f"{path}/{KS_FILE}"
            operators = tuple(folder.operators)
            document = flux_kustomization(context.inventory, path, operators, substitution, sources)
            files.append(OutputFile(flux_file, own, (document,)))
        plans.append(SharedPlan(path, tuple(folder.owners), tuple(folder.placed), flux_file))
    return files, plans
