"""What the tree says about the PVCs a policy names: their storage class and who makes them."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.core.diagnostics import Diagnostic
from compiler.rules import TreeContext, tree_rule
from compiler.tree import Inventory
from compiler.tree.claims import app_claims

LONGHORN_PROVISIONER = "driver.longhorn.io"


def longhorn_classes(inventory: Inventory) -> frozenset[str]:
    """StorageClasses of the tree whose provisioner is Longhorn's CSI driver."""
    return frozenset(
        m.name
        for m in inventory.manifests
        if m.kind == "StorageClass" and m.body.get("provisioner") == LONGHORN_PROVISIONER
    )


def is_longhorn(name: str, known: frozenset[str]) -> bool:
    """Longhorn's own class (``longhorn``, and the ``longhorn-*`` classes its chart and
    users name after it), or a StorageClass of the tree provisioned by Longhorn."""
    return name == "longhorn" or name.startswith("longhorn-") or name in known


def _other(inventory: Inventory) -> set[str]:
    """StorageClasses of the tree provisioned by something else than Longhorn."""
    return {
        m.name
        for m in inventory.manifests
        if m.kind == "StorageClass"
        and m.body.get("provisioner") not in (None, LONGHORN_PROVISIONER)
    }


@tree_rule(
    "BP421",
    "storage-class",
    "error",
    passing="storage: longhorn  # pvc.yaml: storageClassName: longhorn",
    failing="storage: longhorn  # pvc.yaml: storageClassName: ceph-block",
)
def storage_class(context: TreeContext) -> Iterator[Diagnostic]:
    """A ``storage: longhorn`` service's PVCs are on Longhorn where the tree says.

    Longhorn's recurring jobs act on Longhorn volumes only: a PVC of another class gets its
    labels and no snapshot or backup, and the proof counts copies that never happen. The
    class is the PVC's ``storageClassName`` (``persistence.<key>.storageClass`` for a chart's
    PVC, the template's for a StatefulSet's); a PVC that states none uses the cluster's
    default class and is not judged, nor is a class written as a Flux ``${VAR}``. Longhorn
    classes are ``longhorn``, ``longhorn-*`` and the tree's StorageClasses provisioned by
    ``driver.longhorn.io``.
    """
    known = longhorn_classes(context.inventory)
    other = _other(context.inventory)
    for service in context.analysis.services:
        spec = service.source.policy.spec
        found = app_claims(context.inventory, service.app_dir)
        if spec.storage != "longhorn" or found is None:
            continue
        for index, volume in enumerate(spec.volumes):
            claim = found.named(volume.claim) if volume.claim else None
            if claim is None or not _foreign(claim.storage_class, known, other):
                continue
            yield storage_class.at(
                service.source.doc,
                ("spec", "volumes", index, "claim"),
                f"{service.key}: PVC {claim.name!r} is of StorageClass {claim.storage_class!r}, "
                f"not Longhorn ({claim.described}): Longhorn's jobs would never copy it",
                "set spec.storage to where the volume lives, or move the PVC to a Longhorn class",
            )


def _foreign(name: str, known: frozenset[str], other: set[str]) -> bool:
    """A class the tree states that is not Longhorn's (unstated and ``${VAR}``: unknown)."""
    if not name or "${" in name:
        return False
    return not is_longhorn(name, known) or name in other


@tree_rule(
    "BP423",
    "claim-template-labels",
    "warning",
    passing="volumes: [{name: data, claim: data-db-0}]  # a StatefulSet created with the labels",
    failing="volumes: [{name: data, claim: data-db-0}]  # an existing StatefulSet's template",
)
def claim_template_labels(context: TreeContext) -> Iterator[Diagnostic]:
    """Labels on a StatefulSet's volumeClaimTemplates reach only the PVCs created after.

    The compiler adds the backup labels to the template the PVC comes from. Kubernetes
    refuses any change to the templates of an existing StatefulSet (``spec: Forbidden``), and
    never relabels the PVCs it created from them. For a StatefulSet that already runs:
    delete it keeping its pods and PVCs (``kubectl delete statefulset <name>
    --cascade=orphan``) so Flux creates it again with the new templates, and label the
    existing PVCs once (``kubectl label pvc``), with the labels of the generated patch.
    """
    for service in context.analysis.services:
        found = app_claims(context.inventory, service.app_dir)
        for index, volume in enumerate(service.source.policy.spec.volumes):
            claim = found.named(volume.claim) if found is not None and volume.claim else None
            if claim is None or claim.source != "template":
                continue
            yield claim_template_labels.at(
                service.source.doc,
                ("spec", "volumes", index, "claim"),
                f"{service.key}: PVC {claim.name!r} comes from {claim.described}: its labels "
                "are set in the template, which Kubernetes refuses to change on an existing "
                "StatefulSet and which never relabels existing PVCs",
                "recreate the StatefulSet with --cascade=orphan and label the PVC once "
                "(docs/rules.md, BP423)",
                subjects=(f"pvc/{claim.name}", claim.name),
            )


RULES = (storage_class, claim_template_labels)
