"""Migration safety: a compile never points an app's restore at a replica it cannot read.

What the tree runs today (:mod:`compiler.tools.litestream.existing`: the image of its
Litestream containers, the configs it replicates with, the config the compiler committed)
is compared with what the policy generates. A different version, a downgrade to 0.3, a
replica that moves, and Litestream containers wired by hand beside the generated ones are
refused until the policy says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator

from msgspec import Struct

from compiler.analyse import EffectiveService
from compiler.core.diagnostics import Diagnostic
from compiler.core.rule import PathKey
from compiler.rules import TreeContext, tree_rule
from compiler.tools.litestream.existing import (
    ExistingReplica,
    committed_version,
    existing_replicas,
    hand_wired,
    version_of,
)
from compiler.tools.litestream.resolve import Database, resolve, service_version
from compiler.tools.litestream.settings import SERVICE
from compiler.tree.containers import AppContainer


class Running(Struct, frozen=True):
    """A Litestream version the tree runs for a service, and what shows it."""

    version: str
    what: str


def _with_sqlite(context: TreeContext) -> Iterator[EffectiveService]:
    return (s for s in context.analysis.services if s.source.policy.spec.sqlite)


def _shown_container(context: TreeContext, container: AppContainer) -> str:
    return f"{container.where} in {context.inventory.shown(container.file)}"


def running(context: TreeContext, service: EffectiveService) -> list[Running]:
    """Every Litestream version the tree runs for the service: the committed generated
    config's format and the image tag of each hand-wired container."""
    found = []
    committed = committed_version(context.inventory, service.app_dir)
    if committed is not None:
        found.append(Running(committed, "the generated config committed in its backup/"))
    for container in hand_wired(context.inventory, service.app_dir):
        version = version_of(container.tag)
        if version is not None:
            what = f"image {container.image} ({_shown_container(context, container)})"
            found.append(Running(version, what))
    return found


def _version_path(service: EffectiveService) -> PathKey:
    override = SERVICE.of(service.source.policy.spec)
    has_own = override is not None and override.version is not None
    return ("spec", "litestream", "version") if has_own else ("spec", "sqlite")


@tree_rule(
    "BP368",
    "litestream-migration",
    "error",
    passing="spec:\n  litestream: {version: '0.5', acknowledgeMigration: true}",
    failing="spec:\n  litestream: {version: '0.5'}  # the tree runs litestream 0.3.13",
)
def migration(context: TreeContext) -> Iterator[Diagnostic]:
    """A service keeps the Litestream version the tree runs unless the policy acknowledges
    the switch.

    0.5 cannot read 0.3 replicas (nor back): the restore init container finds no replica,
    ``-if-replica-exists`` lets the app start on whatever is on disk, an empty database on
    an emptyDir. The version in use is the committed generated config's, and the image tag
    of any Litestream container the app's own files run (a ``0.5.16`` image runs 0.5).
    A switch down to 0.3 is rule BP374, which nothing acknowledges.
    """
    cluster = context.analysis.policies.cluster.policy.spec
    for service in _with_sqlite(context):
        new = service_version(cluster, service)
        override = SERVICE.of(service.source.policy.spec)
        acknowledged = override is not None and override.acknowledge_migration
        olds = [r for r in running(context, service) if r.version != new]
        if new is None or not olds or acknowledged or _downgrade(new, olds):
            continue
        old = olds[0]
        path = _version_path(service)
        yield migration.at(
            service.source.doc,
            path,
            f"Litestream changes from {old.version} to {new} for {service.key} (the tree runs "
            f"{old.version}: {old.what}): {new} cannot read the {old.version} replicas, so a "
            f"restore before the first {new} sync finds no replica and the app starts on what "
            "is on disk (an empty database on an emptyDir)",
            f"keep version {old.version!r}, or migrate deliberately and set "
            "spec.litestream.acknowledgeMigration: true",
        )


def _downgrade(new: str, olds: list[Running]) -> bool:
    return new == "0.3" and any(r.version == "0.5" for r in olds)


@tree_rule(
    "BP374",
    "litestream-downgrade",
    "error",
    passing="spec:\n  litestream: {version: '0.5'}  # the tree runs litestream 0.5.16",
    failing="spec:\n  litestream: {version: '0.3'}  # the tree runs litestream 0.5.16",
    acknowledgeable=False,
)
def downgrade(context: TreeContext) -> Iterator[Diagnostic]:
    """A service that runs Litestream 0.5 is never switched back to 0.3.

    Litestream 0.3 cannot read a 0.5 replica (LTX files, not generations): its restore
    reports no matching backups, and with ``-if-replica-exists`` the app starts on an empty
    database. Neither ``acknowledgeMigration`` nor an acknowledgement accepts it.
    """
    cluster = context.analysis.policies.cluster.policy.spec
    for service in _with_sqlite(context):
        new = service_version(cluster, service)
        olds = [r for r in running(context, service) if r.version == "0.5"]
        if new != "0.3" or not olds:
            continue
        path = _version_path(service)
        yield downgrade.at(
            service.source.doc,
            path,
            f"{service.key} runs Litestream 0.5 ({olds[0].what}) and the policy generates 0.3: "
            "0.3 cannot read 0.5 replicas, its restore finds no matching backups and the app "
            "starts on an empty database",
            "keep spec.litestream.version: '0.5' for this service",
            key=path[-1] == "sqlite",
        )


def _moved(new: Database, old: list[ExistingReplica]) -> bool:
    """Whether none of the database's new replicas is where an existing one is."""
    for replica in new.replicas:
        for found in old:
            bucket = not found.bucket or "$" in found.bucket or found.bucket == replica.bucket
            if found.path == replica.path and bucket:
                return False
    return True


@tree_rule(
    "BP373",
    "litestream-replica-moved",
    "error",
    passing="sqlite: [{path: /data/db.sqlite3, volume: data, replicaPath: linkding}]",
    failing="sqlite: [{path: /data/db.sqlite3, volume: data}]  # the tree replicates to linkding",
)
def replica_moved(context: TreeContext) -> Iterator[Diagnostic]:
    """A database keeps the replica the tree writes to now.

    The restore init container reads the replica the generated config names. If a
    hand-written config (or an earlier compile) replicates the database elsewhere, the first
    restart after the switch finds nothing there and, with ``-if-replica-exists``, starts
    the app on an empty database. ``replicaPath`` keeps the existing path; acknowledging
    BP373 for the database starts a new replica deliberately.
    """
    cluster = context.analysis.policies.cluster.policy.spec
    for service in _with_sqlite(context):
        spec = resolve(cluster, service)
        existing = existing_replicas(context.inventory, service.app_dir)
        for db in spec.databases if spec is not None else ():
            old = [r for r in existing if r.db == db.path]
            if not old or not db.replicas or not _moved(db, old):
                continue
            yield _moved_problem(context, service, db, old[0])


def _moved_problem(
    context: TreeContext, service: EffectiveService, db: Database, old: ExistingReplica
) -> Diagnostic:
    own = service.source.policy.spec.sqlite[db.index].replica_path is not None
    field = "replicaPath" if own else "path"
    where = context.inventory.shown(old.file)
    new = db.replicas[0]
    if new.path == old.path:  # the same path in another bucket
        moved = f"from bucket {old.bucket!r} to {new.bucket!r} (path {new.path!r}, {where})"
        keep = f"keep the bucket: give its target bucket {old.bucket!r}"
    else:
        moved = f"from {old.path!r} ({where}) to {new.path!r}"
        keep = f"keep it: set sqlite[{db.index}].replicaPath: {old.path}"
    return replica_moved.at(
        service.source.doc,
        ("spec", "sqlite", db.index, field),
        f"the replica of {db.path} moves {moved}: the restore looks in the new place, finds "
        "nothing and the app starts on an empty database",
        f"{keep}; or acknowledge BP373 for {db.path} to start a new replica",
        subjects=(db.path,),
    )


@tree_rule(
    "BP375",
    "litestream-hand-wired",
    "error",
    passing="values.controllers.app.containers: {main: ...}  # Litestream only from the policy",
    failing="values.controllers.app.containers: {main: ..., litestream: {image: ...}}",
)
def hand_wired_containers(context: TreeContext) -> Iterator[Diagnostic]:
    """The app's own files run no Litestream container beside the generated ones.

    The generated patch adds a sidecar and a restore init container; hand-wired ones stay
    where they are, so the pod would run two replicating sidecars and two restores, with
    different images and configs. Remove them from the app's files once the policy keeps
    their version and replica path (rules BP368, BP373 compare them while they are there).
    """
    for service in _with_sqlite(context):
        found = hand_wired(context.inventory, service.app_dir)
        if not found:
            continue
        names = ", ".join(f"{c.where} ({c.image})" for c in found)
        files = sorted({context.inventory.shown(c.file) for c in found})
        yield hand_wired_containers.at(
            service.source.doc,
            ("spec", "sqlite"),
            f"{found[0].owner} already runs Litestream by hand: {names}; the compiler adds its "
            "own sidecar and restore init container, so the pod would replicate and restore "
            "twice with different images",
            f"remove them from {', '.join(files)} (and the config they mount), after setting "
            "spec.litestream.version and sqlite[].replicaPath to what they use",
            key=True,
        )


RULES = (migration, replica_moved, downgrade, hand_wired_containers)
