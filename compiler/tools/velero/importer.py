"""Import of existing Velero ``Schedule`` objects: namespaces, ttl and storage location.

backup-policy writes one Velero Schedule per namespace of a protected service, so a Schedule
of the tree protects each PVC of its namespaces (``*``: every namespace) with a ``velero``
copy. What does not fit that shape (cluster-scoped resources, namespaces without a PVC,
resource filters, hooks) is reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from compiler.core.cron import normalise
from compiler.core.data import mapping_at
from compiler.tools.importing import (
    ImportedPart,
    dns_label,
    gap_of,
    go_duration,
    items_of,
    merged,
    note,
    of_kind,
    pvc_copy,
    tier_name,
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


def _tiers(others: Sequence[Manifest], main: Manifest) -> list[dict[str, Any]]:
    """The other Schedules of the same namespaces and location, as the class's tiers."""
    taken: set[str] = set()
    found = []
    for other in others:
        spec = mapping_at(other.body, "spec")
        ttl = str(mapping_at(spec, "template").get("ttl", DEFAULT_TTL))
        tier = tier_name(other.name.removeprefix(main.name), "", taken)
        schedule = normalise(str(spec.get("schedule", "")))
        found.append({"tier": tier, "schedule": schedule, "ttl": go_duration(ttl) or DEFAULT_TTL})
    return found


def _schedule(
    inventory: Inventory, manifest: Manifest, others: Sequence[Manifest] = ()
) -> ImportedPart:
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
    if others:
        block["tiers"] = _tiers(others, manifest)
    names, every = _namespaces(template)
    copies = tuple(
        pvc_copy("velero", item, gap, block, manifest)
        for item in items_of(inventory)
        if every or item.namespace in names
    )
    unmapped = tuple(note(manifest, text) for text in _lost(manifest, template, every))
    targets = {target: {"type": "velero-storage-location", "name": location}}
    return ImportedPart(copies=copies, targets=targets, unmapped=unmapped)


def _grouped(manifests: Iterable[Manifest]) -> list[list[Manifest]]:
    """Schedules of the same namespaces and location, most frequent first: one is the
    class's schedule, the others its tiers (a weekly backup kept longer, say)."""
    groups: dict[tuple[tuple[str, ...], str], list[Manifest]] = {}
    for manifest in manifests:
        spec = mapping_at(manifest.body, "spec")
        template = mapping_at(spec, "template")
        names = tuple(sorted(_namespaces(template)[0]))
        location = str(template.get("storageLocation") or "default")
        groups.setdefault((names, location), []).append(manifest)
    found: list[list[Manifest]] = []
    for group in groups.values():
        readable = [m for m in group if gap_of(_cron(m)) is not None]
        found.append(sorted(readable, key=lambda m: (gap_of(_cron(m)), m.name)))
        found += [[m] for m in group if m not in readable]  # each reported as unreadable
    return [group for group in found if group]


def _cron(manifest: Manifest) -> str:
    return str(mapping_at(manifest.body, "spec").get("schedule", ""))


def import_existing(inventory: Inventory) -> ImportedPart:
    """Every Velero Schedule of the tree; several of the same namespaces become tiers."""
    groups = _grouped(of_kind(inventory, "velero.io", "Schedule"))
    return merged([_schedule(inventory, group[0], group[1:]) for group in groups])
