"""BP405: every Component patch hits an object of the app's kustomize build."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.core.diagnostics import Diagnostic
from compiler.plan import Wiring
from compiler.rules import TreeContext, tree_rule
from compiler.tree import Inventory, UnknownBuild
from compiler.tree.claims import Claim, app_claims
from compiler.tree.kpatch_apply import strips_labels
from compiler.tree.kpatches import aims_at, patch_documents
from compiler.tree.records import KustomizePatch


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


@tree_rule(
    "BP414",
    "labels-overridden",
    "error",
    passing="patches: [{path: size.yaml}]  # spec.values.persistence.config.size: 5Gi",
    failing="patches: [{path: p.yaml}]  # JSON6902 replace /spec/values/persistence/config",
)
def labels_overridden(context: TreeContext) -> Iterator[Diagnostic]:
    """No patch of the app's own kustomization replaces the labels of a PVC its chart makes.

    The backup labels of a PVC that app-template creates go into the release's values
    (``persistence.<key>.labels``) through the backup Component. kustomize applies a
    kustomization's own patches after its Components: one that replaces the item or its
    labels (JSON6902 ``replace``/``remove``/``add`` of ``persistence.<key>``, or a
    strategic merge setting it or a label to ``null``) takes the backup labels away, and
    the PVC is created without them while every tool reports success.
    """
    inventory = context.inventory
    for service in context.analysis.services:
        located = inventory.app_kustomization(service.app_dir)
        claims = app_claims(inventory, service.app_dir)
        if located is None or claims is None:
            continue
        for index, volume in enumerate(service.source.policy.spec.volumes):
            claim = claims.named(volume.claim) if volume.claim else None
            if claim is None or claim.source != "chart":
                continue
            found = _stripping(inventory, located[0].patches, claim)
            if not found:
                continue
            yield labels_overridden.at(
                service.source.doc,
                ("spec", "volumes", index, "claim"),
                f"{service.key}: PVC {claim.name!r} gets its backup labels in "
                f"persistence.{claim.key}.labels of HelmRelease {claim.owner.name}, and "
                f"{found} replaces them after the backup Component: the PVC would be created "
                "without them",
                "change only the fields you need (a strategic-merge patch without labels), "
                "or write the change into the release itself",
            )


def _stripping(inventory: Inventory, patches: tuple[KustomizePatch, ...], claim: Claim) -> str:
    """The patch (as messages show it) that strips the claim's labels ('' when none)."""
    written = inventory.release_as_written(claim.owner)
    if written is None:
        return ""
    for patch in patches:
        for document in patch_documents(inventory, patch):
            aimed = aims_at(patch, document, written[0]) != "no"
            if aimed and strips_labels(document, claim.key):
                return f"the patch {inventory.shown(patch.path) if patch.path else '(inline)'}"
    return ""


RULES = (patch_target_missing, labels_overridden)
