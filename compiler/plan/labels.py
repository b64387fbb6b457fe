"""How the backup labels reach a PVC: a patch of whatever object of the tree makes it.

- A PVC written in the tree: a strategic-merge patch of the PVC.
- A PVC bjw-s app-template creates (``persistence.<key>``): a merge patch of the HelmRelease
  setting ``spec.values.persistence.<key>.labels``; the chart puts an item's labels on its PVC
  (``classes/_pvc.tpl``, 3.x to 5.x). A values patch merges with the user's values (and with
  ``valuesFrom``, which Helm merges under ``spec.values``), where a second
  ``spec.postRenderers`` entry would replace the list Litestream's patch creates.
- A PVC of a StatefulSet's ``volumeClaimTemplates``: JSON6902 ``add`` operations on the
  template's labels (a strategic merge would replace the whole list of templates), in the
  StatefulSet, or in the HelmRelease's inline ``spec.values`` for app-template. kustomize's
  ``add`` does not create a missing parent: the labels are added one by one where the
  template has labels, else as one map. Kubernetes creates the PVCs from the templates, so
  the labels reach only PVCs created afterwards (rule BP423).

A claim the tree does not show gets a PVC patch, which rule BP405 refuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compiler.core.data import mapping_at
from compiler.plan.types import Document, ObjectRef
from compiler.tree.claims import Claim

HELM_GROUP = "helm.toolkit.fluxcd.io"


def _ref(claim: Claim) -> ObjectRef:
    group, _, version = claim.owner.api_version.rpartition("/")
    return ObjectRef(claim.owner.kind, claim.owner.name, group, version)


def _pointer(*parts: str | int) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _adds(where: tuple[str | int, ...], present: bool, labels: Mapping[str, str]) -> list[Any]:
    """JSON6902 operations adding ``labels`` to the map at ``where`` (``present``: it exists)."""
    if not present:
        return [{"op": "add", "path": _pointer(*where), "value": dict(labels)}]
    return [{"op": "add", "path": _pointer(*where, k), "value": v} for k, v in labels.items()]


def _template_path(claim: Claim) -> tuple[str | int, ...] | None:
    """Where the claim template's labels are in its owner, when the owner writes the
    template itself (app-template values from ``valuesFrom`` cannot be patched there)."""
    if not claim.controller:
        return ("spec", "volumeClaimTemplates", claim.index, "metadata", "labels")
    where = ("spec", "values", "controllers", claim.controller, "statefulset")
    templates = mapping_at(claim.owner.body, *where).get("volumeClaimTemplates")
    if not isinstance(templates, list) or len(templates) <= claim.index:
        return None
    return (*where, "volumeClaimTemplates", claim.index, "labels")


def _present(body: Mapping[str, Any], path: tuple[str | int, ...]) -> bool:
    node: Any = body
    for part in path:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and len(node) > part else None
        else:
            node = node.get(part) if isinstance(node, Mapping) else None
    return isinstance(node, Mapping)


def _pvc_patch(name: str, labels: Mapping[str, str]) -> tuple[ObjectRef, Document]:
    document = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "labels": dict(labels)},
    }
    return ObjectRef("PersistentVolumeClaim", name, version="v1"), document


def label_patch(
    name: str, claim: Claim | None, labels: Mapping[str, str]
) -> tuple[ObjectRef, Document]:
    """The target and the document of the patch that puts ``labels`` on PVC ``name``."""
    if claim is None or claim.source == "manifest":
        return _pvc_patch(name, labels)
    if claim.source == "chart":
        values = {"persistence": {claim.key: {"labels": dict(labels)}}}
        document = {
            "apiVersion": claim.owner.api_version,
            "kind": claim.owner.kind,
            "metadata": {"name": claim.owner.name},
            "spec": {"values": values},
        }
        return _ref(claim), document
    path = _template_path(claim)
    if path is None:
        return _pvc_patch(name, labels)
    return _ref(claim), _adds(path, _present(claim.owner.body, path), labels)
