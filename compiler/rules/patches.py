"""BP405: every Component patch hits an object of the app's kustomize build."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.core.diagnostics import Diagnostic
from compiler.plan import Wiring
from compiler.rules import TreeContext, tree_rule
from compiler.tree import UnknownBuild
from compiler.tree.claims import app_claims


def _problems(context: TreeContext, wiring: Wiring) -> Iterator[Diagnostic]:
    component = wiring.component
    folder = wiring.file.rpartition("/")[0] or "."
    try:
        objects = context.inventory.build_objects(folder, skip=component.folder, written=True)
    except UnknownBuild:
        return
    shown = context.inventory.shown(wiring.file)
    for patch in component.patches:
        target = patch.target
        if (target.kind, target.name) in objects:
            continue
        variables = sorted(name for kind, name in objects if kind == target.kind and "${" in name)
        yield patch_target_missing.at(
            component.service.source.doc,
            patch.origin,
            f"{target.kind} {target.name!r} is not in the build of {shown}: kustomize skips "
            f"a patch whose target is missing, without a word; {patch.consequence}"
            + _written(variables),
            _hint(context, wiring) if target.kind == "PersistentVolumeClaim" else _FIX,
        )


_FIX = "fix the name here, or add the object to the app's kustomization"


def _written(variables: list[str]) -> str:
    """Why a name the cluster may know is not matched: the build writes it with a Flux
    variable the tree gives no value for, and kustomize matches names as written."""
    if not variables:
        return ""
    return (
        f" (the build writes {', '.join(repr(v) for v in variables)} with a Flux variable "
        "that the app's Kustomization gives no value for here: kustomize matches a target "
        "against the name as written, before Flux substitutes it)"
    )


def _hint(context: TreeContext, wiring: Wiring) -> str:
    """The PVCs the build does hold (written, a chart's, a StatefulSet's), and those it
    may hold without the tree saying which (a HelmRelease whose render is unknown)."""
    found = app_claims(context.inventory, wiring.component.app_dir)
    if found is None:
        return _FIX
    claims = [f"{c.name} ({c.described})" for c in found.claims]
    hint = f"PVCs of the build: {', '.join(claims) or 'none'}"
    unknown = [r.manifest.name for r in found.unknown]
    if unknown:
        hint += (
            f"; HelmRelease {', '.join(unknown)} may create more, but only the PVCs of a bjw-s "
            "app-template release with its values in the tree are known"
        )
    return hint


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
    files and folders, other ``components``). A PVC the app's bjw-s app-template
    HelmRelease creates (``persistence.<key>``, 3.x to 5.x) or a StatefulSet's
    ``volumeClaimTemplates`` make is judged like one written in the tree: its labels are
    patched onto the release's values or the template, which are in the build. The release
    is read as the build's own kustomize patches leave it (``patches``,
    ``patchesStrategicMerge``, ``patchesJson6902``): a patch that gives ``persistence.config``
    an ``existingClaim`` means the chart creates no ``<release>-config``. When the
    build cannot be known from the tree (a remote base, a Helm chart inflated by
    kustomize) the app is not judged. A name written with a Flux ``${VAR}`` is judged as
    written: Flux substitutes after kustomize builds, so the Component aims at
    ``${APP}-data`` when the app's Flux Kustomization makes it the policy's claim, and a
    name whose variable the tree gives no value for matches no patch of the policy's. A
    release written ``name: ${APP}`` creates its PVCs under the name Flux installs it as
    (``APP`` of the Kustomization applying it): ``jellyfin-config``.
    """
    for wiring in context.plan.wiring:
        if wiring.state in ("listed", "unlisted"):
            yield from _problems(context, wiring)


RULES = (patch_target_missing,)
