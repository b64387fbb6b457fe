"""Backup Components this compile removes, and the kustomizations that still list them.

A Component whose service policy is gone is a stale generated folder: its kustomization.yaml
carries the generated header and no policy plans it, so the write stage removes it. A
kustomization that still lists it would make kustomize, and Flux, fail on the app:
``compile --fix`` takes the entry out (comments and layout kept); rule BP409 refuses the
compile without ``--fix``.
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler.plan.stale import removed_components
from compiler.plan.types import OutputFile, Unwiring
from compiler.plan.wiring import without_components
from compiler.tree import Inventory
from compiler.tree.fluxreach import join


def unwiring(files: Sequence[OutputFile], inventory: Inventory) -> tuple[Unwiring, ...]:
    """Every hand-written kustomization entry naming a Component this compile removes."""
    removed = set(removed_components(files, inventory))
    found: list[Unwiring] = []
    for folder, kustomization in sorted(inventory.kustomizations.items()):
        tree_file = inventory.files.get(kustomization.file)
        if not removed or tree_file is None or tree_file.generated or kustomization.error:
            continue
        pairs = [(e, join(folder, e)) for e in kustomization.components]
        doomed = [(entry, target) for entry, target in pairs if target in removed]
        if not doomed:
            continue
        fixed = without_components(tree_file.text or "", [e for e, _ in doomed]) or ""
        at = kustomization.components_at or (1, 1)
        found += [Unwiring(kustomization.file, e, str(t), at, fixed) for e, t in doomed]
    return tuple(found)
