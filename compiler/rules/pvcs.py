"""A PVC's labels before and after a compile, and Kubernetes label selectors over them.

Before: the labels the tree gives the PVC (its manifest, the chart values that make it,
its claim template). After: those with the labels of the Component's patch for it on top
(a patch adds or overwrites labels, never removes one). Tools use these to see whether a
compile takes a volume out of something that protects it today.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from msgspec import Struct

from compiler.analyse import EffectiveService
from compiler.core.data import mapping_at
from compiler.core.rule import PathKey
from compiler.plan import ComponentPatch
from compiler.rules import TreeContext
from compiler.tree import Inventory
from compiler.tree.claims import Claim, app_claims
from compiler.tree.fluxreleases import release_at


class LabelledPvc(Struct, frozen=True):
    """A PVC the compile labels: its claim in the tree, its labels before and after."""

    service: EffectiveService
    claim: Claim
    origin: PathKey
    before: Mapping[str, str]
    after: Mapping[str, str]


def _strings(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, Mapping) else {}


def _template_labels(inventory: Inventory, claim: Claim) -> dict[str, str]:
    if not claim.controller:
        templates = mapping_at(claim.owner.body, "spec").get("volumeClaimTemplates")
        item = templates[claim.index] if isinstance(templates, list) else {}
        return _strings(mapping_at(item, "metadata").get("labels"))
    found = release_at(inventory, claim.owner)
    values = (found[0].values if found is not None else None) or {}
    where = mapping_at(values, "controllers", claim.controller, "statefulset")
    templates = where.get("volumeClaimTemplates")
    item = templates[claim.index] if isinstance(templates, list) else {}
    return _strings(item.get("labels") if isinstance(item, Mapping) else None)


def tree_labels(inventory: Inventory, claim: Claim) -> dict[str, str]:
    """The labels the tree gives the PVC today."""
    if claim.source == "manifest":
        return _strings(mapping_at(claim.owner.body, "metadata").get("labels"))
    if claim.source == "chart":
        found = release_at(inventory, claim.owner)
        values = (found[0].values if found is not None else None) or {}
        return _strings(mapping_at(values, "persistence", claim.key).get("labels"))
    return _template_labels(inventory, claim)


def _labels_in(node: Any) -> dict[str, str]:
    """The first ``labels`` mapping of a patch document (a PVC's, or a chart value's)."""
    if isinstance(node, Mapping):
        if isinstance(node.get("labels"), Mapping):
            return _strings(node["labels"])
        for value in node.values():
            found = _labels_in(value)
            if found:
                return found
    return {}


def patch_labels(patch: ComponentPatch) -> dict[str, str]:
    """The labels a PVC label patch sets: a strategic-merge or values patch, or JSON6902
    ``add`` operations (one map, or one label each)."""
    found: dict[str, str] = {}
    for document in patch.documents:
        if isinstance(document, Mapping):
            found |= _labels_in(document)
        for op in document if isinstance(document, list) else []:
            value = op.get("value") if isinstance(op, Mapping) else None
            if isinstance(value, Mapping):
                found |= _strings(value)
            elif isinstance(value, str):
                key = str(op.get("path", "")).rpartition("/")[2]
                found[key.replace("~1", "/").replace("~0", "~")] = value
    return found


def labelled_pvcs(context: TreeContext) -> Iterator[LabelledPvc]:
    """Every PVC of the tree that a planned Component labels, with its labels."""
    for component in context.plan.components:
        claims = app_claims(context.inventory, component.app_dir)
        for patch in component.patches:
            name = patch.file.removeprefix("patches/pvc-").removesuffix(".yaml")
            claim = claims.named(name) if claims is not None else None
            if not patch.file.startswith("patches/pvc-") or claim is None:
                continue
            before = tree_labels(context.inventory, claim)
            after = {**before, **patch_labels(patch)}
            yield LabelledPvc(component.service, claim, patch.origin, before, after)


def _expression(expression: Any, labels: Mapping[str, str]) -> bool:
    if not isinstance(expression, Mapping):
        return False
    key, operator = str(expression.get("key")), expression.get("operator")
    values = [str(v) for v in expression.get("values") or []]
    if operator == "In":
        return key in labels and labels[key] in values
    if operator == "NotIn":
        return key not in labels or labels[key] not in values
    if operator == "Exists":
        return key in labels
    return operator == "DoesNotExist" and key not in labels


def selects(selector: Any, labels: Mapping[str, str]) -> bool:
    """Whether a Kubernetes LabelSelector (``matchLabels``, ``matchExpressions``) matches."""
    if not isinstance(selector, Mapping):
        return False
    wanted = _strings(selector.get("matchLabels"))
    if any(labels.get(k) != v for k, v in wanted.items()):
        return False
    expressions = selector.get("matchExpressions") or []
    return all(_expression(e, labels) for e in expressions if isinstance(expressions, list))
