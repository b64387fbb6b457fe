"""Backup Components this compile removes: generated folders no policy plans any more.

Apart from :mod:`compiler.plan.unwiring` (which edits the kustomizations that still list
them, through ruamel.yaml) so that rule BP409 can ask without loading the editor.
"""

from __future__ import annotations

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
