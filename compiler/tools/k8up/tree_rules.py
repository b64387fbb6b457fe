"""Tree rules of K8up: a compile never takes a volume out of a Schedule that backs it up.

A K8up Schedule backs up every PVC of its namespace, or those its ``backup.labelSelectors``
match, unless the PVC is annotated ``k8up.io/backup: "false"``. The compiler only adds
labels, but a selector can exclude on them (``DoesNotExist``, ``NotIn``): a hand-written
Schedule that did back a PVC up may stop when the generated labels arrive.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from compiler.core.data import mapping_at
from compiler.core.diagnostics import Diagnostic
from compiler.rules import TreeContext, tree_rule
from compiler.rules.pvcs import LabelledPvc, labelled_pvcs, selects
from compiler.tree import Inventory, Manifest
from compiler.tree.fluxapps import flux_index, target_namespace

BACKUP_ANNOTATION = "k8up.io/backup"


def _namespace(inventory: Inventory, manifest: Manifest) -> str:
    """The Schedule's namespace: its own, the Flux Kustomization's target, or the folder's
    ``kubernetes/apps/<namespace>/``."""
    if manifest.namespace:
        return manifest.namespace
    flux = flux_index(inventory).applying(manifest.file)
    if flux is not None and target_namespace(flux):
        return target_namespace(flux)
    parts = manifest.file.split("/")
    return parts[2] if len(parts) > 3 and parts[:2] == ["kubernetes", "apps"] else ""


def _schedules(inventory: Inventory) -> list[tuple[Manifest, str]]:
    found = [m for m in inventory.manifests if m.kind == "Schedule" and m.group == "k8up.io"]
    return [(m, _namespace(inventory, m)) for m in found if mapping_at(m.body, "spec", "backup")]


def covers(schedule: Manifest, labels: Mapping[str, str]) -> bool:
    """Whether a Schedule's backup selects a PVC with these labels (namespace aside)."""
    selectors = mapping_at(schedule.body, "spec", "backup").get("labelSelectors")
    if not isinstance(selectors, list) or not selectors:
        return True
    return any(selects(s, labels) for s in selectors)


def _excluded(pvc: LabelledPvc) -> bool:
    annotations = mapping_at(pvc.claim.owner.body, "metadata", "annotations")
    return pvc.claim.source == "manifest" and str(annotations.get(BACKUP_ANNOTATION)) == "false"


@tree_rule(
    "BP331",
    "k8up-scope-left",
    "error",
    passing="labelSelectors: [{matchLabels: {app: web}}]  # the generated labels keep it",
    failing="labelSelectors: [{matchExpressions: [{key: backup-policy.io/service, "
    "operator: DoesNotExist}]}]",
)
def scope_left(context: TreeContext) -> Iterator[Diagnostic]:
    """A PVC the compiler labels stays in the K8up Schedules that back it up today.

    A hand-written Schedule whose label selector excludes a label the generated patch adds
    stops backing the PVC up, while both Schedules report success. Change the Schedule's
    selector, or acknowledge BP331 for the PVC when the generated Schedule replaces it.
    """
    schedules = _schedules(context.inventory)
    if not schedules:
        return
    for pvc in labelled_pvcs(context):
        if _excluded(pvc):
            continue
        namespace = pvc.service.namespace
        mine = [s for s, ns in schedules if ns in ("", namespace)]
        lost = [s for s in mine if covers(s, pvc.before) and not covers(s, pvc.after)]
        if not lost:
            continue
        where = context.inventory.shown(lost[0].file)
        name = pvc.claim.name
        yield scope_left.at(
            pvc.service.source.doc,
            pvc.origin,
            f"pvc/{name} leaves K8up Schedule {lost[0].name} ({where}): its label selector "
            "excludes the labels the compile adds, so that Schedule silently stops backing "
            "it up",
            f"change the Schedule's labelSelectors; or acknowledge BP331 for pvc/{name}",
            subjects=(f"pvc/{name}", name),
        )


RULES = (scope_left,)
