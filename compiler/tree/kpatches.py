"""A kustomization's patches of HelmReleases, and a release's values as they leave them.

kustomize applies ``patches`` (and the older ``patchesStrategicMerge``/``patchesJson6902``)
to what its build gathers, before Flux sees the release. A patch in an app's folder that
sets ``persistence.config.existingClaim`` means app-template creates no
``<release>-config``: read without it, the compiler labelled a PVC that never exists.
A kustomization's own patches reach what it gathered (its resources, nested builds and
Components) after its Components' patches, which reach what it gathered before them
(:meth:`Inventory.build_patches`). How one patch changes the values:
:mod:`compiler.tree.kpatch_apply`.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from compiler.core.data import mapping_at
from compiler.tree.inventory import Inventory, ScopedPatch
from compiler.tree.kpatch_apply import UNKNOWN, json6902, strategic
from compiler.tree.records import HelmRelease, KustomizePatch

_KIND = "HelmRelease"


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
        inline = "\n" in text or text.lstrip().startswith("{")  # else a file kustomize reads
        found.append(KustomizePatch(text=text) if inline else _file(folder, text))
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


def target_matches(pattern: object, value: str) -> bool:
    """kustomize (and Flux) match a patch target's kind, name and namespace as anchored
    regular expressions; an empty one matches everything."""
    if not pattern:
        return True
    try:
        return re.fullmatch(str(pattern), value) is not None
    except re.error:
        return str(pattern) == value


Aim = Literal["no", "yes", "maybe"]


def aims_at(patch: KustomizePatch, document: Any, release: HelmRelease) -> Aim:
    """Whether the patch reaches the release (``maybe``: its target also selects by labels
    or annotations, which this reader does not judge)."""
    written = release.manifest.name
    if patch.kind or patch.name or patch.selector:
        if patch.kind and not target_matches(patch.kind, _KIND):
            return "no"
        if patch.name and not target_matches(patch.name, written):
            return "no"
        return "maybe" if patch.selector else "yes"
    if not isinstance(document, Mapping):
        return "no"
    name = mapping_at(document, "metadata").get("name")
    return "yes" if document.get("kind") == _KIND and name == written else "no"


def patch_documents(inventory: Inventory, patch: KustomizePatch) -> list[Any]:
    """The patch's documents (one ``UNKNOWN`` when it cannot be read: kustomize fails)."""
    if not patch.text and patch.path not in inventory.files:
        return [UNKNOWN]
    parsed = inventory.parse(patch.text) if patch.text else inventory.documents(patch.path)
    return [d.data for d in parsed] if isinstance(parsed, list) else [UNKNOWN]


def patched_values(
    inventory: Inventory, release: HelmRelease, patches: Iterable[ScopedPatch]
) -> tuple[bool, Mapping[str, Any] | None]:
    """Whether a patch reaches ``release``, and its values once every such patch applied
    in turn (None: unknown)."""
    values: Any = release.values
    touched = False
    for patch, scope in patches:
        if release.manifest.file not in scope:
            continue
        for document in patch_documents(inventory, patch):
            aim = "maybe" if document is UNKNOWN else aims_at(patch, document, release)
            if aim == "no":
                continue
            touched = True
            if aim == "maybe" or values is None:
                return True, None
            if isinstance(document, list):
                values = json6902(values, document)
            elif isinstance(document, Mapping):
                values = strategic(values, document)
            if values is UNKNOWN:
                return True, None
    return touched, values
