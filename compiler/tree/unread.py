"""The files of a kustomize build that the tree stage could not read.

``kustomize build`` of an app folder takes every file its kustomization lists, following
listed folders through their own kustomization.yaml. A listed file that is not UTF-8, is
over the size read, is a symbolic link, is not a regular file or is not valid YAML has no
records in the inventory: the build's PVCs, workloads and HelmReleases are then known only
in part.
"""

from __future__ import annotations

import posixpath

from compiler.core.treefiles import KUSTOMIZATION_NAMES
from compiler.tree.fluxreach import join
from compiler.tree.inventory import Inventory
from compiler.tree.records import TreeFile


def unread_in_build(inventory: Inventory, folder: str) -> list[TreeFile]:
    """The files ``kustomize build folder`` takes that were not read, in the order listed
    (the folder's own kustomization.yaml is not one of them: BP404 is about that one)."""
    found: dict[str, TreeFile] = {}
    _walk(inventory, posixpath.normpath(folder), found, {posixpath.normpath(folder)})
    return list(found.values())


def _walk(inventory: Inventory, folder: str, found: dict[str, TreeFile], seen: set[str]) -> None:
    kustomization = inventory.kustomization_in(folder)
    if kustomization is None or kustomization.error:
        return
    for entry in (*kustomization.resources, *kustomization.components):
        target = join(folder, entry)
        if target is None or target in seen:
            continue
        if target in inventory.kustomizations:
            seen.add(target)
            unread_kustomization = _unread(inventory, inventory.kustomizations[target].file)
            if unread_kustomization is not None:
                found[unread_kustomization.path] = unread_kustomization
            _walk(inventory, target, found, seen)
            continue
        for path in (target, *(f"{target}/{name}" for name in KUSTOMIZATION_NAMES)):
            unread = _unread(inventory, path)
            if unread is not None:
                found[unread.path] = unread


def _unread(inventory: Inventory, path: str) -> TreeFile | None:
    tree_file = inventory.files.get(path)
    if tree_file is None or tree_file.generated or not tree_file.error:
        return None
    return tree_file
