"""One kustomize patch applied to a HelmRelease's values (``UNKNOWN`` when this reader
cannot tell what it leaves).

A HelmRelease is a custom resource: a strategic-merge patch merges its maps and replaces
its lists (RFC 7386, ``null`` removes a key). kustomize's merge directives (``$patch:
delete``, ``$retainKeys``, ...) and JSON6902 ``copy``/``move`` are not followed: the values
are unknown, so a rule refuses rather than guesses. A patch that renames the release or
moves its values (``releaseName``, the chart, ``valuesFrom``, the name) leaves them unknown.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from compiler.core.data import mapping_at

UNKNOWN: Any = object()
_NAMING_SPEC = ("releaseName", "targetNamespace", "chart", "chartRef", "valuesFrom")


def _directive(node: Any) -> bool:
    """Whether a strategic-merge patch holds a kustomize merge directive (``$patch``...)."""
    if isinstance(node, Mapping):
        return any(str(k).startswith("$") or _directive(v) for k, v in node.items())
    if isinstance(node, list):
        return any(_directive(v) for v in node)
    return False


def _merged(base: Any, patch: Any) -> Any:
    """RFC 7386: maps merge, ``null`` removes a key, anything else replaces."""
    if not isinstance(patch, Mapping):
        return patch
    merged = dict(base) if isinstance(base, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = _merged(merged.get(key), value)
    return merged


def strategic(values: Any, document: Mapping[str, Any]) -> Any:
    """``values`` as a strategic-merge patch of the release leaves them."""
    spec = mapping_at(document, "spec")
    if _directive(document) or any(key in spec for key in _NAMING_SPEC):
        return UNKNOWN
    if "values" not in spec:
        return values
    merged = _merged(values, spec["values"])
    return merged if isinstance(merged, Mapping) else UNKNOWN


def json6902(values: Any, operations: list[Any]) -> Any:
    """``values`` as JSON6902 operations leave them: ``add``, ``replace`` and ``remove``
    under ``/spec/values`` on a copy, ``test`` taken as passing (kustomize fails the build
    otherwise); elsewhere, an operation that may rename the release or move its values
    makes them unknown, and the rest change nothing here."""
    for operation in operations:
        path = operation.get("path") if isinstance(operation, Mapping) else None
        if not isinstance(path, str):
            return UNKNOWN
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in path.split("/")[1:]]
        if operation.get("op") == "test":
            continue
        if tokens[:2] == ["spec", "values"]:
            values = _operated(values, tokens[2:], operation)
        elif _renames(tokens) or operation.get("op") in ("copy", "move"):
            return UNKNOWN
        if values is UNKNOWN:
            return UNKNOWN
    return values


def _renames(tokens: list[str]) -> bool:
    """Whether an operation at ``tokens`` may rename the release or move its values."""
    if tokens[:1] == ["metadata"]:
        return tokens[1:2] in (["name"], ["namespace"], [])
    return tokens[:1] == ["spec"] and (len(tokens) == 1 or tokens[1] in _NAMING_SPEC)


def _child(node: Any, token: str) -> Any:
    if isinstance(node, dict):
        return node.get(token, UNKNOWN)
    if isinstance(node, list) and token.isdigit() and int(token) < len(node):
        return node[int(token)]
    return UNKNOWN


def _operated(values: Any, tokens: list[str], operation: Mapping[str, Any]) -> Any:
    op = operation.get("op")
    if op not in ("add", "replace", "remove") or not tokens or not isinstance(values, Mapping):
        return UNKNOWN
    copied = copy.deepcopy(dict(values))
    parent: Any = copied
    for token in tokens[:-1]:
        parent = _child(parent, token)
    last, value = tokens[-1], copy.deepcopy(operation.get("value"))
    if isinstance(parent, dict):
        if op == "remove":
            parent.pop(last, None)
        else:
            parent[last] = value
    elif isinstance(parent, list) and (last == "-" or last.isdigit()):
        index = len(parent) if last == "-" else int(last)
        if op == "remove" and index < len(parent):
            del parent[index]
        elif op == "replace" and index < len(parent):
            parent[index] = value
        elif op == "add" and index <= len(parent):
            parent.insert(index, value)
        else:
            return UNKNOWN
    else:
        return UNKNOWN  # a path that is not there: kustomize fails the build
    return copied


def strips_labels(document: Any, key: str) -> bool:
    """Whether a patch of the release removes or replaces what ``persistence.<key>.labels``
    held before it: an item, its labels or a label replaced or removed (JSON6902, ``add``
    included: it replaces what is there), or set to ``null`` (strategic merge)."""
    item = ["spec", "values", "persistence", key]
    if isinstance(document, list):
        return any(_strips(operation, item) for operation in document)
    if not isinstance(document, Mapping) or _directive(document):
        return isinstance(document, Mapping)
    node: Any = document
    for token in item:
        if not isinstance(node, Mapping) or token not in node:
            return False
        node = node[token]
        if node is None:
            return True
    labels = node.get("labels", {}) if isinstance(node, Mapping) else {}
    return labels is None or (isinstance(labels, Mapping) and None in labels.values())


def _strips(operation: Any, item: list[str]) -> bool:
    path = operation.get("path") if isinstance(operation, Mapping) else None
    if not isinstance(path, str) or operation.get("op") == "test":
        return False
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in path.split("/")[1:]]
    if tokens == item[: len(tokens)]:
        return True  # the item, or what holds it
    if tokens[: len(item) + 1] != [*item, "labels"]:
        return False
    return len(tokens) == len(item) + 1 or operation.get("op") != "add"  # a label added: kept
