"""BP405 patch-target-missing: every Component patch must hit an object of the app's build.

kustomize applies a ``patches`` entry whose target matches nothing to nothing, and says
nothing. A PVC name that is off by one letter then gets no backup labels: the K8up Schedule
selects no volume, Longhorn ignores it, and every tool reports success. So the compiler
follows the app's kustomization the way kustomize would (local ``resources`` files and
folders, other ``components``) and refuses a patch whose target is not among the objects.
When the build cannot be known here (a remote base, a Helm chart inflated by kustomize, a
name written as a Flux ``${VAR}``) the app is not judged.

Passes::

    volumes: [{name: data, claim: web-data}]     # pvc.yaml: PersistentVolumeClaim web-data

Fails::

    volumes: [{name: data, claim: web-dat}]      # the Component's label patch matches nothing
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compiler.diagnostics import Diagnostic
from compiler.handwritten import mapping_at, yaml_documents
from compiler.kustomization import NAMES, find_kustomization

if TYPE_CHECKING:
    from compiler.analyse import Analysis
    from compiler.analyse.effective import EffectiveService
    from compiler.plan import Plan
    from compiler.plan.objects import Patch

RULE = "BP405"
COMPONENT_TEMPLATE = "app/component.yaml.j2"
_UNKNOWN_KEYS = ("helmCharts", "helmChartInflationGenerator", "bases")


class UnknownBuild(Exception):
    """The build pulls in something this check cannot read."""


def _objects_in_file(path: Path) -> set[tuple[str, str]]:
    found = set()
    for document in yaml_documents(path):
        name = str(mapping_at(document, "metadata").get("name") or "")
        if "${" in name:
            raise UnknownBuild(path)
        found.add((str(document.get("kind")), name))
    return found


def _entries(data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key) or []
    return [str(v) for v in value] if isinstance(value, list) else []


def _kustomization_in(folder: Path) -> dict[str, Any]:
    for name in NAMES:
        documents = yaml_documents(folder / name) if (folder / name).is_file() else []
        if documents:
            return documents[0]
    raise UnknownBuild(folder)


def build_objects(folder: Path, skip: Path, depth: int = 0) -> set[tuple[str, str]]:
    """(kind, name) of the objects ``kustomize build folder`` emits, apart from ``skip``."""
    data = _kustomization_in(folder)
    if depth > 20 or any(data.get(key) for key in _UNKNOWN_KEYS):
        raise UnknownBuild(folder)
    objects: set[tuple[str, str]] = set()
    for entry in _entries(data, "resources") + _entries(data, "components"):
        if "://" in entry or entry.startswith(("git@", "github.com/")):
            raise UnknownBuild(entry)
        try:
            target = (folder / entry).resolve()
            is_dir, is_file = target.is_dir(), target.is_file()
        except OSError as error:  # e.g. a name longer than the file system allows
            raise UnknownBuild(entry) from error
        if target == skip.resolve():
            continue
        if is_dir:
            objects |= build_objects(target, skip, depth + 1)
        elif is_file:
            objects |= _objects_in_file(target)
        else:
            raise UnknownBuild(target)  # kustomize fails loudly on a missing entry
    return objects


def _origin(service: EffectiveService, patch: Patch) -> tuple[tuple[str | int, ...], str]:
    spec = service.source.policy.spec
    if patch.kind == "PersistentVolumeClaim":
        index = next(i for i, v in enumerate(spec.volumes) if v.claim == patch.name)
        why = "the PVC gets no backup labels, so K8up and Longhorn would back up nothing"
        return ("spec", "volumes", index, "claim"), why
    return ("spec", "workload", "name"), "Litestream would never be injected"


def _app_problems(
    root: Path, shown_root: str, service: EffectiveService, patches: tuple[Patch, ...]
) -> Iterator[Diagnostic]:
    from compiler.plan.apps import app_dir

    found = find_kustomization(root / app_dir(service))
    if found is None:
        return  # BP403 reports it
    try:
        objects = build_objects(found[0].parent, root / app_dir(service) / "backup")
    except UnknownBuild:
        return
    shown = f"{shown_root}/{found[0].relative_to(root).as_posix()}"
    for patch in patches:
        if (patch.kind, patch.name) in objects:
            continue
        where, why = _origin(service, patch)
        yield service.source.doc.diagnostic(
            where,
            RULE,
            f"{patch.kind} {patch.name!r} is not in the build of {shown}: kustomize skips "
            f"a patch whose target is missing, without a word; {why}",
            "fix the name here, or add the object to the app's kustomization",
        )


def check_patch_targets(
    root: Path, shown_root: str, plan: Plan, analysis: Analysis
) -> list[Diagnostic]:
    """BP405 for every planned Component whose app build can be read."""
    from compiler.plan.apps import app_dir

    by_dir = {app_dir(s): s for s in analysis.services}
    problems: list[Diagnostic] = []
    for planned in plan.files:
        if planned.template != COMPONENT_TEMPLATE:
            continue
        service = by_dir[planned.path.removesuffix("/backup/kustomization.yaml")]
        problems.extend(_app_problems(root, shown_root, service, planned.values.patches))
    return problems
