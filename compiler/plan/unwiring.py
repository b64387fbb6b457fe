"""What this compile removes, and the hand-written kustomizations that still list it.

A Component whose service policy is gone is a stale generated folder: its kustomization.yaml
carries the generated header and no policy plans it, so the write stage removes it. So is a
shared folder no service uses any more (the last Velero service moved to another method:
``velero/schedules/`` and its ``ks.yaml`` go). A kustomization that still lists one
(``components:``, or ``resources:`` naming a generated file or folder) would make kustomize,
and Flux, fail on every app it builds: ``compile --fix`` takes the entries out (comments
and layout kept); rules BP409 and BP413 refuse the compile without ``--fix``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from compiler.plan.stale import removed_components, removed_generated
from compiler.plan.types import OutputFile, Unwiring
from compiler.plan.wiring import without_entries
from compiler.tree import Inventory, Kustomization
from compiler.tree.fluxreach import join

Key = Literal["components", "resources"]
KEYS: tuple[Key, ...] = ("components", "resources")


def unwiring(files: Sequence[OutputFile], inventory: Inventory) -> tuple[Unwiring, ...]:
    """Every hand-written kustomization entry naming what this compile removes."""
    removed = {
        "components": frozenset(removed_components(files, inventory)),
        "resources": removed_generated(files, inventory),
    }
    if not any(removed.values()):
        return ()
    found: list[Unwiring] = []
    for folder, kustomization in sorted(inventory.kustomizations.items()):
        tree_file = inventory.files.get(kustomization.file)
        if tree_file is None or tree_file.generated or kustomization.error:
            continue
        found += _unwired(kustomization, tree_file.text or "", folder, removed)
    return tuple(found)


def _unwired(
    kustomization: Kustomization, text: str, folder: str, removed: dict[str, frozenset[str]]
) -> list[Unwiring]:
    """The entries of one kustomization that name what this compile removes, each with the
    text that leaves out all of them (one ``--fix`` write per file)."""
    doomed: list[tuple[Key, str, str]] = []
    for key in KEYS:
        for entry in getattr(kustomization, key):
            target = join(folder, entry)
            if target is not None and target in removed[key]:
                doomed.append((key, entry, target))
    fixed = text
    for key in KEYS:
        listed = [entry for k, entry, _ in doomed if k == key]
        fixed = (without_entries(fixed, key, listed) or "") if listed and fixed else fixed
    at = {key: getattr(kustomization, f"{key}_at") for key in KEYS}
    return [
        Unwiring(kustomization.file, entry, target, at[key] or (1, 1), fixed, key)
        for key, entry, target in doomed
    ]
