"""Coverage of the tree: every PVC and replicated SQLite database, and who protects it.

The items are what the tree holds (:mod:`compiler.tree.claims`: PVCs written in the tree,
created by an app-template chart or by a StatefulSet's claim templates;
:mod:`compiler.tree.replicated`: databases of hand-written Litestream configs) and what the
policies declare. Each is ``covered`` (a policy's volume or database), ``exempt`` (the
policy's ``exempt:`` with a reason) or ``uncovered``; a HelmRelease whose PVCs cannot be known
is ``unknown``. An item belongs to a service when it is in the service's build or under its
folder; otherwise to the Flux Kustomization that applies it, or to its folder.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Literal

from msgspec import Struct

from compiler.analyse.coverage import Coverage
from compiler.analyse.effective import EffectiveService
from compiler.tree import Inventory
from compiler.tree.census import TreeItem, tree_items
from compiler.tree.claims import app_claims

State = Literal["covered", "exempt", "uncovered", "unknown"]


class Row(Struct, frozen=True):
    """One line of ``backup-policy coverage``."""

    item: TreeItem
    state: State
    service: EffectiveService | None = None
    reason: str = ""
    coverage: Coverage | None = None

    @property
    def methods(self) -> tuple[str, ...]:
        copies = self.coverage.copies if self.coverage is not None else ()
        return tuple(dict.fromkeys(c.method for c in copies))


def _owners(
    inventory: Inventory, services: Sequence[EffectiveService]
) -> dict[str, EffectiveService]:
    """File -> the service whose build (or folder) holds it."""
    folders = {service.app_dir: service for service in services}
    owners: dict[str, EffectiveService] = {}
    for path in inventory.files:
        parts = path.split("/")
        for end in range(len(parts) - 1, 0, -1):
            found = folders.get("/".join(parts[:end]))
            if found is not None:
                owners[path] = found
                break
    for service in services:
        claims = app_claims(inventory, service.app_dir)
        for claim in claims.claims if claims is not None else ():
            owners.setdefault(claim.owner.file, service)
    return owners


def _by_service(coverage: Sequence[Coverage]) -> dict[int, list[Coverage]]:
    """Each service's coverage (keyed by the service object's identity, as the analysis
    made it), so that judging one item looks at its service's few, not at every item."""
    found: dict[int, list[Coverage]] = {}
    for one in coverage:
        found.setdefault(id(one.service), []).append(one)
    return found


def _coverage_of(coverage: Sequence[Coverage], kind: str, name: str) -> Coverage | None:
    """The item ``kind``/``name`` among one service's ``coverage``."""
    for found in coverage:
        if found.item.kind != kind:
            continue
        if (kind == "pvc" and found.item.claim == name) or found.item.key == f"{kind}:{name}":
            return found
    return None


def _judge(item: TreeItem, service: EffectiveService | None, coverage: Sequence[Coverage]) -> Row:
    """``coverage``: the service's own."""
    if item.kind == "release":
        return Row(item, "unknown", service)
    if service is None:
        return Row(item, "uncovered")
    spec = service.source.policy.spec
    for exemption in spec.exempt:
        if item.name in (exemption.claim, exemption.sqlite):
            return Row(item, "exempt", service, exemption.reason)
    found = _coverage_of(coverage, item.kind, item.name)
    return Row(item, "covered" if found else "uncovered", service, coverage=found)


def _declared(service: EffectiveService) -> Iterator[TreeItem]:
    """The service's own items, as the policy names them."""
    spec = service.source.policy.spec
    where = (service.namespace, service.name)
    for volume in spec.volumes:
        if volume.claim:
            yield TreeItem("pvc", volume.claim, *where, source="declared by the policy")
    for db in spec.sqlite:
        yield TreeItem("sqlite", db.path, *where, source="declared by the policy")
    for exemption in spec.exempt:
        if exemption.claim:
            yield TreeItem("pvc", exemption.claim, *where, source="declared by the policy")
        elif exemption.sqlite:
            yield TreeItem("sqlite", exemption.sqlite, *where, source="declared by the policy")


def _tool_items(service: EffectiveService, coverage: Sequence[Coverage]) -> Iterator[TreeItem]:
    """Items a tool's own policy block declares (a CloudNativePG cluster): the analysis
    knows them, the policy's volumes and sqlite lists do not. ``coverage``: the service's."""
    where = (service.namespace, service.name)
    for found in coverage:
        item = found.item
        if item.kind not in ("pvc", "sqlite"):
            name = item.key.partition(":")[2] or item.key
            yield TreeItem(item.kind, name, *where, source="declared by the policy")


def _placed(item: TreeItem, service: EffectiveService | None) -> TreeItem:
    if service is None:
        return item
    return TreeItem(
        item.kind,
        item.name,
        service.namespace,
        service.name,
        item.storage_class,
        item.file,
        item.at,
        item.source,
    )


def _claimants(
    services: Sequence[EffectiveService], by_service: Mapping[int, list[Coverage]]
) -> dict[tuple[str, str, str], EffectiveService]:
    """(namespace, kind, name) -> the service whose policy declares that item (in its lists,
    or in a tool's own block: a CloudNativePG cluster)."""
    return {
        (service.namespace, item.kind, item.name): service
        for service in services
        for item in (*_declared(service), *_tool_items(service, by_service.get(id(service), [])))
    }


def census(
    inventory: Inventory,
    services: Sequence[EffectiveService],
    coverage: Sequence[Coverage] = (),
    extra: Sequence[TreeItem] = (),
) -> tuple[Row, ...]:
    """Every item of the tree and of the policies, judged; sorted by namespace, app, item.

    An item of a file no service's folder holds (a shared Kustomize Component that Flux
    adds to many apps, each with its own ``${APP}``) belongs to the service of its namespace
    that declares it. ``extra``: the items the tools find in their own objects."""
    owners = _owners(inventory, services)
    by_service = _by_service(coverage)
    claimants = _claimants(services, by_service)
    rows: dict[tuple[str, str, str], Row] = {}
    for item in (*tree_items(inventory), *extra):
        service = claimants.get((item.namespace, item.kind, item.name)) or owners.get(item.file)
        mine = by_service.get(id(service), []) if service is not None else []
        row = _judge(_placed(item, service), service, mine)
        key = (service.key if service else f"{item.namespace}/{item.app}", item.kind, item.name)
        rows.setdefault(key, row)
    for service in services:
        mine = by_service.get(id(service), [])
        for item in (*_declared(service), *_tool_items(service, mine)):
            rows.setdefault((service.key, item.kind, item.name), _judge(item, service, mine))
    order = sorted(rows.values(), key=lambda r: (r.item.namespace, r.item.app, r.item.name))
    return tuple(order)


def totals(rows: Sequence[Row]) -> Mapping[str, int]:
    counted = {state: 0 for state in ("covered", "exempt", "uncovered", "unknown")}
    for row in rows:
        counted[row.state] += 1
    return counted
