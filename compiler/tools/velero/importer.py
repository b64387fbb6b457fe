"""Import of existing Velero ``Schedule`` objects: namespaces, ttl and storage location.

backup-policy writes one Velero Schedule per namespace of a protected service, so a Schedule
of the tree protects each PVC of its namespaces (``*``: every namespace) with a ``velero``
copy. What does not fit that shape (cluster-scoped resources, namespaces without a PVC,
resource filters, hooks) is reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compiler.core.cron import normalise
from compiler.core.data import mapping_at
from compiler.tools.importing import (
    ImportedCopy,
    ImportedPart,
    dns_label,
    gap_of,
    go_duration,
    items_of,
    merged,
    note,
    of_kind,
)
from compiler.tree import Inventory, Manifest

KEPT = {"includedNamespaces", "storageLocation", "ttl", "snapshotVolumes", "metadata"}
DEFAULT_TTL = "720h"


def _namespaces(template: Mapping[str, Any]) -> tuple[list[str], bool]:
    included = template.get("includedNamespaces")
    names = [str(n) for n in included] if isinstance(included, list) else ["*"]
    return names, "*" in names


def _lost(manifest: Manifest, template: Mapping[str, Any], every: bool) -> list[str]:
    lost = [f"template.{key} is not kept" for key in template if key not in KEPT]
    if every:
        lost.append(
            "includedNamespaces '*' becomes one Schedule per namespace of an imported "
            "service: namespaces without a PVC of the tree are no longer backed up"
        )
    return lost


def _schedule(inventory: Inventory, manifest: Manifest) -> ImportedPart:
    spec = mapping_at(manifest.body, "spec")
    template = mapping_at(spec, "template")
    schedule = str(spec.get("schedule", ""))
    gap = gap_of(schedule)
    if gap is None:
        return ImportedPart(unmapped=(note(manifest, f"schedule {schedule!r} is not readable"),))
    location = str(template.get("storageLocation") or "default")
    target = dns_label("velero", location)
    block: dict[str, Any] = {
        "target": target,
        "schedule": normalise(schedule),
        "ttl": go_duration(str(template.get("ttl", DEFAULT_TTL))) or DEFAULT_TTL,
    }
    if template.get("snapshotVolumes") is True:
        block["snapshotVolumes"] = True
    names, every = _namespaces(template)
    copies = tuple(
        ImportedCopy(
            "velero",
            "velero",
            (item.namespace, item.app),
            f"pvc/{item.name}",
            gap,
            True,
            block,
            manifest.file,
            manifest.at,
        )
        for item in items_of(inventory)
        if every or item.namespace in names
    )
    unmapped = tuple(note(manifest, text) for text in _lost(manifest, template, every))
    targets = {target: {"type": "velero-storage-location", "name": location}}
    return ImportedPart(copies=copies, targets=targets, unmapped=unmapped)


def import_existing(inventory: Inventory) -> ImportedPart:
    """Every Velero Schedule of the tree."""
    return merged([_schedule(inventory, m) for m in of_kind(inventory, "velero.io", "Schedule")])
