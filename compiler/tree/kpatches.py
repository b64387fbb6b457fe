"""A kustomization's patches of HelmReleases, and a release's values as they leave them.

kustomize applies ``patches`` (and the older ``patchesStrategicMerge``/``patchesJson6902``)
to what its build gathers, Components included, before Flux sees the release. A patch in
an app's folder that sets ``persistence.config.existingClaim`` means app-template creates
no ``<release>-config``: read without it, the compiler labelled a PVC that never exists.
A HelmRelease is a custom resource, so a strategic-merge patch merges its maps and replaces
its lists (RFC 7386). A patch that changes what names the release or where its values come
from (``releaseName``, the chart, ``valuesFrom``, the name itself) leaves them unknown.
"""

from __future__ import annotations

import copy
import posixpath
import re
from collections.abc import Iterable, Mapping
from typing import Any

from compiler.core.data import mapping_at
from compiler.tree.inventory import Inventory
from compiler.tree.records import HelmRelease, KustomizePatch

_NAMING_SPEC = ("releaseName", "targetNamespace", "chart", "chartRef", "valuesFrom")
_KIND = "HelmRelease"
_UNKNOWN = object()


def patches_of(folder: str, data: Mapping[str, Any]) -> tuple[KustomizePatch, ...]:
    """The patch entries of a kustomization document in ``folder``."""
    found: list[KustomizePatch] = []
    for key in ("patches", "patchesJson6902"):
        entries = data.get(key)
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, Mapping):
                found.append(_entry(folder, entry))
    merges = data.get("patchesStrategicMerge")
    for entry in merges if isinstance(merges, list) else []:
        text = str(entry)
        found.append(KustomizePatch(text=text) if "\n" in text else _file(folder, text))
    return tuple(found)


def _file(folder: str, path: str) -> KustomizePatch:
    return KustomizePatch(path=posixpath.normpath(posixpath.join(folder, path)))


def _entry(folder: str, entry: Mapping[str, Any]) -> KustomizePatch:
    target = mapping_at(entry, "target")
    selector = bool(target.get("labelSelector") or target.get("annotationSelector"))
    kind, name = str(target.get("kind") or ""), str(target.get("name") or "")
    if isinstance(entry.get("path"), str):
        return _with_target(_file(folder, entry["path"]), kind, name, selector)
    return KustomizePatch(
        text=str(entry.get("patch") or ""), kind=kind, name=name, selector=selector
    )


def _with_target(patch: KustomizePatch, kind: str, name: str, selector: bool) -> KustomizePatch:
    return KustomizePatch(patch.path, patch.text, kind, name, selector)


def _named(pattern: str, name: str) -> bool:
    """kustomize matches a target's name as an anchored regular expression."""
    try:
        return re.fullmatch(pattern, name) is not None
    except re.error:
        return pattern == name


def _aims_at(patch: KustomizePatch, document: Any, release: HelmRelease) -> bool:
    written = release.manifest.name
    if patch.kind or patch.name:
        kind_ok = not patch.kind or patch.kind == _KIND
        return kind_ok and (not patch.name or _named(patch.name, written))
    if not isinstance(document, Mapping):
        return False
    name = mapping_at(document, "metadata").get("name")
    return document.get("kind") == _KIND and name == written


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


def _strategic(values: Any, document: Mapping[str, Any]) -> Any:
    spec = mapping_at(document, "spec")
    if any(key in spec for key in _NAMING_SPEC):
        return _UNKNOWN
    return _merged(values, spec["values"]) if "values" in spec else values


def _json6902(values: Any, operations: list[Any]) -> Any:
    """Operations under ``/spec/values`` on a copy (add, replace, remove); others that could
    rename the release or move its values make them unknown, the rest change nothing here."""
    for operation in operations:
        path = operation.get("path") if isinstance(operation, Mapping) else None
        if not isinstance(path, str):
            return _UNKNOWN
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in path.split("/")[1:]]
        if tokens[:2] == ["spec", "values"]:
            values = _operated(values, tokens[2:], operation)
        elif _renames(tokens):
            return _UNKNOWN
        if values is _UNKNOWN:
            return _UNKNOWN
    return values


def _renames(tokens: list[str]) -> bool:
    """Whether an operation at ``tokens`` may rename the release or move its values."""
    if tokens[:1] == ["metadata"]:
        return tokens[1:2] in (["name"], ["namespace"], [])
    return tokens[:1] == ["spec"] and (len(tokens) == 1 or tokens[1] in _NAMING_SPEC)


def _operated(values: Any, tokens: list[str], operation: Mapping[str, Any]) -> Any:
    op = operation.get("op")
    if op not in ("add", "replace", "remove") or not tokens:
        return _UNKNOWN
    copied = copy.deepcopy(dict(values)) if isinstance(values, Mapping) else values
    parent = copied
    for token in tokens[:-1]:
        parent = parent.get(token) if isinstance(parent, dict) else None
        if not isinstance(parent, dict):
            return _UNKNOWN  # a list index, or a path that is not there: kustomize fails
    if not isinstance(parent, dict):
        return _UNKNOWN
    if op == "remove":
        parent.pop(tokens[-1], None)
    else:
        parent[tokens[-1]] = operation.get("value")
    return copied


def _documents(inventory: Inventory, patch: KustomizePatch) -> list[Any]:
    """The patch's documents (one ``_UNKNOWN`` when it cannot be read: kustomize fails)."""
    parsed = inventory.parse(patch.text) if patch.text else inventory.documents(patch.path)
    return [d.data for d in parsed] if isinstance(parsed, list) else [_UNKNOWN]


def patched_values(
    inventory: Inventory, release: HelmRelease, patches: Iterable[KustomizePatch]
) -> tuple[bool, Mapping[str, Any] | None]:
    """Whether a patch aims at ``release``, and its values once every such patch applied
    in turn (None: unknown)."""
    values: Any = release.values
    touched = False
    for patch in patches:
        for document in _documents(inventory, patch):
            if document is _UNKNOWN:
                return True, None
            if not _aims_at(patch, document, release):
                continue
            touched = True
            if values is None or patch.selector:
                return True, None  # which objects a selector picks is not judged here
            if isinstance(document, list):
                values = _json6902(values, document)
            elif isinstance(document, Mapping):
                values = _strategic(values, document)
            if values is _UNKNOWN:
                return True, None
    return touched, values
