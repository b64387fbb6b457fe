"""BP405: every Component patch hits an object of the app's kustomize build."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.core.diagnostics import Diagnostic
from compiler.plan import Wiring
from compiler.rules import TreeContext, tree_rule
from compiler.tree import UnknownBuild


def _problems(context: TreeContext, wiring: Wiring) -> Iterator[Diagnostic]:
    component = wiring.component
    folder = wiring.file.rpartition("/")[0] or "."
    try:
        objects = context.inventory.build_objects(folder, skip=component.folder)
    except UnknownBuild:
        return
    shown = context.inventory.shown(wiring.file)
    for patch in component.patches:
        target = patch.target
        if (target.kind, target.name) in objects:
            continue
        yield patch_target_missing.at(
            component.service.source.doc,
            patch.origin,
            f"{target.kind} {target.name!r} is not in the build of {shown}: kustomize skips "
            f"a patch whose target is missing, without a word; {patch.consequence}",
            "fix the name here, or add the object to the app's kustomization",
        )


@tree_rule(
    "BP405",
    "patch-target-missing",
    "error",
    passing="volumes: [{name: data, claim: web-data}]  # pvc.yaml: PVC web-data",
    failing="volumes: [{name: data, claim: web-dat}]  # the label patch matches nothing",
)
def patch_target_missing(context: TreeContext) -> Iterator[Diagnostic]:
    """Every patch of the backup Component targets an object of the app's build.

    kustomize applies a ``patches`` entry whose target matches nothing to nothing, and
    says nothing. A PVC name that is off by one letter then gets no backup labels: the
    K8up Schedule selects no volume, Longhorn ignores it, and every tool reports success.
    The app's kustomization is followed the way kustomize would (local ``resources``
    files and folders, other ``components``). When the build cannot be known from the
    tree (a remote base, a Helm chart inflated by kustomize, a name written as a Flux
    ``${VAR}``) the app is not judged.
    """
    for wiring in context.plan.wiring:
        if wiring.state in ("listed", "unlisted"):
            yield from _problems(context, wiring)


RULES = (patch_target_missing,)
