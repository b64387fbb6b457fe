"""Generated files and folders this compile removes: no policy plans them any more.

Apart from :mod:`compiler.plan.unwiring` (which edits the kustomizations that still list
them, through ruamel.yaml) so that rule BP409 can ask without loading the editor.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from compiler.plan.types import OutputFile
from compiler.tree import Inventory


def removed_components(files: Sequence[OutputFile], inventory: Inventory) -> list[str]:
    """Folders of generated Components in the tree that no policy plans any more."""
    planned = {f.path for f in files}
    found = []
    for folder, kustomization in inventory.kustomizations.items():
        tree_file = inventory.files.get(kustomization.file)
        generated = tree_file is not None and tree_file.generated
        if generated and kustomization.kind == "Component" and kustomization.file not in planned:
            found.append(folder)
    return sorted(found)


def removed_generated(files: Sequence[OutputFile], inventory: Inventory) -> frozenset[str]:
    """Generated files of the tree that no policy plans any more (the write stage removes
    them), and the folders whose generated kustomization goes with them."""
    planned = {f.path for f in files}
    gone = {p for p, f in inventory.files.items() if f.generated and p not in planned}
    folders = {posixpath.dirname(p) for p in gone if posixpath.basename(p) == "kustomization.yaml"}
    return frozenset(gone | folders)
