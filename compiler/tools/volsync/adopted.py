"""What a restore needs of an adopted ReplicationSource (``volsync.existing``): its restic
repository Secret and the volume fields the tree states, read from the Inventory with the
Flux variables the source was filled from (``existing.py``), and the tree's own
ReplicationDestination of that repository, if the app's build has one.

A field written with a variable that has neither a value nor a default (``${VOLSYNC_SIZE}``
with nothing in ``postBuild.substitute``) is not guessed: it is kept as written in
:attr:`Stated.unknown`, and the drill and the runbook say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from msgspec import Struct, field

from compiler.analyse import EffectiveService
from compiler.core.data import mapping_at
from compiler.tools.volsync.existing import TreeSource, instances, sub, tree_sources
from compiler.tree import Inventory
from compiler.tree.fluxapps import substitute

DESTINATION = "ReplicationDestination"
# The fields of spec.restic a restore copies; the order is the order they are reported in.
FIELDS = (
    "repository",
    "copyMethod",
    "volumeSnapshotClassName",
    "storageClassName",
    "capacity",
    "accessModes",
    "cacheCapacity",
    "cacheStorageClassName",
    "cacheAccessModes",
)


MOVER = "moverSecurityContext"
# The mover's identity: whole numbers, written with variables in a shared Component
# (``runAsUser: ${VOLSYNC_PUID:=1000}``), which Flux fills and YAML then reads as numbers.
MOVER_IDS = ("runAsUser", "runAsGroup", "fsGroup")


class Stated(Struct, frozen=True):
    """The fields of a ``spec.restic`` after substitution, and those whose variable has no
    value (field -> the text as written); ``mover``: the ids of its moverSecurityContext
    that are known numbers."""

    values: Mapping[str, Any]
    unknown: Mapping[str, str]
    mover: Mapping[str, int] = field(default_factory=dict)

    def text(self, field: str) -> str:
        value = self.values.get(field)
        return value if isinstance(value, str) else ""


def _filled(value: Any, variables: Mapping[str, str]) -> Any:
    """A scalar as text, a list item by item; None when a variable stays unknown."""
    if isinstance(value, list):
        items = [_filled(item, variables) for item in value]
        return None if any(item is None for item in items) else items
    return substitute(str(value), variables)


def _mover(restic: Mapping[str, Any], variables: Mapping[str, str]) -> dict[str, int]:
    context = mapping_at(restic, MOVER)
    found = {key: _filled(context[key], variables) for key in MOVER_IDS if key in context}
    return {key: int(value) for key, value in found.items() if str(value).isdigit()}


def stated(restic: Mapping[str, Any], variables: Mapping[str, str]) -> Stated:
    values, unknown = {}, {}
    for name in FIELDS:
        if restic.get(name) in (None, "", []):
            continue
        filled = _filled(restic[name], variables)
        if filled is None:
            unknown[name] = str(restic[name])
        elif filled not in ("", []):
            values[name] = filled
    return Stated(values, unknown, _mover(restic, variables))


class TreeDestination(Struct, frozen=True):
    """A ReplicationDestination of the app's build that restores from a repository."""

    name: str
    file: str
    copy_method: str
    destination_pvc: str


class Adopted(Struct, frozen=True):
    """One PVC backed up by the tree's own ReplicationSource."""

    source: TreeSource
    restic: Stated
    destination: TreeDestination | None

    @property
    def secret(self) -> str:
        """The repository Secret ('' when the tree leaves it unknown)."""
        return self.restic.text("repository")


def _destinations(inventory: Inventory, service: EffectiveService) -> dict[str, TreeDestination]:
    """The tree's ReplicationDestinations of the app's build, by their repository Secret."""
    found: dict[str, TreeDestination] = {}
    for manifest, variables in instances(inventory, service, DESTINATION):
        restic = mapping_at(manifest.body, "spec", "restic")
        repository = sub(restic.get("repository"), variables)
        name = sub(mapping_at(manifest.body, "metadata").get("name"), variables)
        if repository and name:
            method = sub(restic.get("copyMethod"), variables)
            target = sub(restic.get("destinationPVC"), variables)
            found.setdefault(repository, TreeDestination(name, manifest.file, method, target))
    return found


def adopted(inventory: Inventory, service: EffectiveService) -> dict[str, Adopted]:
    """The tree's ReplicationSources of the app's PVCs, by PVC, as a restore reads them."""
    sources = tree_sources(inventory, service)
    destinations = _destinations(inventory, service) if sources else {}
    found = {}
    for claim, source in sources.items():
        restic = stated(mapping_at(source.manifest.body, "spec", "restic"), source.variables)
        secret = restic.text("repository")
        found[claim] = Adopted(source, restic, destinations.get(secret) if secret else None)
    return found


def unknown_text(found: Adopted, fields: tuple[str, ...] = FIELDS) -> str:
    """The fields of ``fields`` the tree leaves unknown, for the drill and the runbook ('':
    none)."""
    missing = [f"{k} {v}" for k, v in found.restic.unknown.items() if k in fields]
    if not missing:
        return ""
    return (
        f"ReplicationSource {found.source.name} writes {', '.join(missing)} with a variable "
        "that has no value in the tree"
    )


CACHE = ("cacheCapacity", "cacheStorageClassName", "cacheAccessModes")


def tree_restore(restic: Stated) -> tuple[dict[str, Any], dict[str, Any], tuple[str, ...]]:
    """A drill's restore of what the tree's source states: the destination's ``restic``
    fields, the fresh PVC's fields (``storage``: its size) and those of the PVC's size and
    class the tree does not state, read from the live PVC at run time."""
    values = restic.values
    # The drill restores into its own PVC (destinationPVC): with Snapshot VolSync then also
    # snapshots it with the tree's class, as the tree's restores do; Clone and Direct only
    # say how the source copies the live volume, so the restore writes the PVC directly.
    snapshot = values.get("copyMethod") == "Snapshot"
    found: dict[str, Any] = {"copyMethod": "Snapshot" if snapshot else "Direct"}
    if snapshot and "volumeSnapshotClassName" in values:
        found["volumeSnapshotClassName"] = values["volumeSnapshotClassName"]
    found |= {key: values[key] for key in CACHE if key in values}
    fields: dict[str, Any] = {"accessModes": values.get("accessModes", ["ReadWriteOnce"])}
    if "storageClassName" in values:
        fields["storageClassName"] = values["storageClassName"]
    if "capacity" in values:
        fields["storage"] = values["capacity"]
    return found, fields, tuple(k for k in ("storageClassName", "storage") if k not in fields)
