"""Removing a policy never breaks an app: every ``components:`` entry exists after the
compile, no ``resources:`` entry names a generated file it removes, and the protection a
removed backup Component gave is reported item by item."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from compiler.core.data import mapping_at
from compiler.core.diagnostics import Diagnostic
from compiler.core.generated import HEADER_MARK
from compiler.plan import Unwiring
from compiler.plan.stale import removed_components
from compiler.rules import TreeContext, tree_rule
from compiler.tree import Inventory
from compiler.tree.fluxreach import join

_PVC_PATCH = re.compile(r"^patches/pvc-(.+)\.yaml$")


def _removed(context: TreeContext, file: str, entry: str) -> Unwiring | None:
    return next((u for u in context.plan.unwiring if u.file == file and u.entry == entry), None)


@tree_rule(
    "BP409",
    "component-missing",
    "error",
    passing="components: [./backup]  # kubernetes/apps/web/backup/kustomization.yaml exists",
    failing="components: [./backup]  # its policy was removed, so the compile removes it",
)
def component_missing(context: TreeContext) -> Iterator[Diagnostic]:
    """Every ``components:`` entry of a kustomization names a Component that exists.

    kustomize (and Flux) refuse to build a kustomization whose Component folder is missing:
    the whole app stops reconciling. When a service policy is removed, its generated
    Component goes too: ``compile --fix`` takes the app's entry out with it (comments and
    layout kept), ``compile`` without ``--fix`` refuses. An entry that names no folder at
    all is reported whatever made it.
    """
    inventory = context.inventory
    after = context.tree_after
    for folder, kustomization in sorted(after.kustomizations.items()):
        found = inventory.files.get(kustomization.file)
        if found is None or found.generated or kustomization.error:
            continue
        for entry in kustomization.components:
            target = join(folder, entry)
            if target is None or target in after.kustomizations:
                continue
            removed = _removed(context, kustomization.file, entry)
            if removed is not None and context.fix and removed.fixed:
                continue
            line, col = kustomization.components_at or (1, 1)
            message, hint = _missing(inventory, entry, target, removed)
            shown = inventory.shown(kustomization.file)
            yield component_missing.diagnostic(shown, line, col, message, hint)


def _missing(
    inventory: Inventory, entry: str, target: str, removed: Unwiring | None
) -> tuple[str, str]:
    if removed is not None:
        return (
            f"components: {entry!r} is the backup Component this compile removes (no policy "
            "produces it any more): kustomize and Flux would fail on this app",
            "run `backup-policy compile --fix` to take the entry out with it",
        )
    what = "has no kustomization.yaml" if target in inventory.folders else "does not exist"
    return (
        f"components: {entry!r} ({inventory.shown(target)}) {what}: kustomize and Flux "
        "fail on this kustomization",
        "remove the entry, or restore the Component",
    )


def _sources(text: str) -> list[str]:
    lines = text.splitlines()
    if not lines or not lines[0].startswith(HEADER_MARK):
        return []
    found = []
    for line in lines[1:]:
        if not line.startswith("#   "):
            break
        found.append(line[4:].strip())
    return found


def _items(inventory: Inventory, folder: str) -> list[str]:
    """What the Component protected: its PVCs (label patches), then its objects."""
    path = f"{folder}/kustomization.yaml"
    read = inventory.documents(path) if inventory.generated_text(path) is not None else []
    data = read[0].data if isinstance(read, list) and read else {}
    data = data if isinstance(data, Mapping) else {}
    patches = data.get("patches")
    items = []
    for patch in patches if isinstance(patches, list) else []:
        match = _PVC_PATCH.match(str(patch.get("path"))) if isinstance(patch, Mapping) else None
        if match:
            items.append(f"pvc/{match.group(1)}")
    resources = data.get("resources")
    for resource in resources if isinstance(resources, list) else []:
        path = f"{folder}/{resource}"
        read = inventory.documents(path) if inventory.generated_text(path) is not None else []
        for document in read if isinstance(read, list) else []:
            name = mapping_at(document.data, "metadata").get("name")
            if isinstance(document.data, Mapping) and name:
                items.append(f"{document.data.get('kind')} {name}")
    return items


@tree_rule(
    "BP413",
    "resource-removed",
    "error",
    passing="resources: [./velero/schedules/ks.yaml]  # a service still backs up with Velero",
    failing="resources: [./velero/schedules/ks.yaml]  # the last Velero service moved away",
)
def resource_removed(context: TreeContext) -> Iterator[Diagnostic]:
    """No ``resources:`` entry names a generated file or folder this compile removes.

    A shared folder goes when no service needs it any more (the last service leaves Velero:
    ``velero/schedules/`` goes, its ``ks.yaml`` with it). A hand-written kustomization that
    still lists it makes kustomize and Flux fail on that kustomization, and with it on every
    app it builds (a whole namespace stops reconciling). ``compile --fix`` takes the entry
    out (comments and layout kept); ``compile`` without ``--fix`` refuses.
    """
    inventory = context.inventory
    for unwired in context.plan.unwiring:
        if unwired.key != "resources" or (context.fix and unwired.fixed):
            continue
        line, col = unwired.at
        yield resource_removed.diagnostic(
            inventory.shown(unwired.file),
            line,
            col,
            f"resources: {unwired.entry!r} is generated, and this compile removes it (no "
            "policy needs it any more): kustomize and Flux would fail on this kustomization",
            "run `backup-policy compile --fix` to take the entry out with it",
        )


@tree_rule(
    "BP410",
    "protection-removed",
    "warning",
    passing="every backup Component in the tree still has its service policy",
    failing="policies/services/web.yaml deleted: kubernetes/apps/web/backup/ goes",
)
def protection_removed(context: TreeContext) -> Iterator[Diagnostic]:
    """A compile that removes a backup Component says what loses its protection.

    Deleting a service policy deletes the app's generated Component with the next compile:
    its PVCs lose their backup labels, its schedules, Litestream sidecar and alerts go. The
    run names each of them, so the removal is a decision and not a surprise.
    """
    inventory = context.inventory
    for folder in removed_components(context.plan.files, inventory):
        file = f"{folder}/kustomization.yaml"
        sources = _sources(inventory.generated_text(file) or "")
        policies = [s for s in sources if "/services/" in s] or sources
        items = _items(inventory, folder) or ["its objects"]
        yield protection_removed.diagnostic(
            inventory.shown(file),
            1,
            1,
            f"protection removed: no policy produces {inventory.shown(folder)} any more "
            f"(it came from {', '.join(policies) or 'a removed policy'}); this compile removes "
            f"it: {', '.join(items)}",
            "restore the service policy if the app still needs its backups",
            subjects=tuple(items),
        )


RULES = (component_missing, resource_removed, protection_removed)
