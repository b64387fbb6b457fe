"""The Postgres clusters a compile protects, each with everything its objects are made from.

One :class:`Postgres` per ``postgres:`` entry of a service for which the method cnpg applies
and whose class has a ``cnpg:`` block naming an s3 target (BP300/BP301 report the others).
Its object-store location is ``s3://<bucket>/cnpg/<namespace>`` with the server name as the
folder: two clusters that end up at one location would mix their WAL (rule BP391). A cluster
whose entry names an ``objectStore`` of the app's tree archives where that ObjectStore says;
the analysis has no tree, so its location is the ObjectStore's name (the tree rules BP395-BP397
check the store against the target and the retention once the tree is read).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from msgspec import Struct

from compiler.analyse import EffectiveService, Scope
from compiler.core.data import mapping_at
from compiler.core.rule import PathKey
from compiler.model.cluster import ClusterSpec, S3Target
from compiler.tools.cnpg.names import (
    CNPG_GROUP,
    METHOD,
    OBJECT_STORE_GROUP,
    PATH_PREFIX,
    object_name,
)
from compiler.tools.cnpg.settings import CLASS, POSTGRES, CnpgSettings, PostgresCluster
from compiler.tree import Inventory, Manifest


class Postgres(Struct, frozen=True):
    """One CNPG Cluster of a service, with its class settings and target."""

    service: EffectiveService
    index: int
    entry: PostgresCluster
    settings: CnpgSettings
    target: S3Target

    @property
    def cluster(self) -> str:
        return self.entry.cluster

    @property
    def server_name(self) -> str:
        return self.entry.server_name or self.entry.cluster

    @property
    def path(self) -> PathKey:
        return ("spec", "postgres", self.index)

    @property
    def adopted(self) -> bool:
        """Whether it archives to an ObjectStore of the app's tree (none is generated);
        the in-tree method has no ObjectStore to adopt (rule BP398)."""
        return self.entry.object_store is not None and self.settings.method == "plugin"

    @property
    def store_name(self) -> str:
        """The ObjectStore the plugin's ``barmanObjectName`` names."""
        name = self.entry.object_store
        return name if self.adopted and name else object_name(self.cluster)

    @property
    def destination_path(self) -> str:
        """The generated ObjectStore's (or in-tree) destination path."""
        return f"s3://{self.target.bucket}/{PATH_PREFIX}/{self.service.namespace}"

    @property
    def where(self) -> str:
        """Its archive as people read it."""
        if self.adopted:
            return (
                f"server {self.server_name} of the ObjectStore {self.service.namespace}/"
                f"{self.store_name} (its own destinationPath)"
            )
        return f"{self.destination_path}/{self.server_name} on {self.target.endpoint}"

    @property
    def location(self) -> tuple[str, str, str]:
        """Where its WAL and base backups go: endpoint, destination path, server name."""
        if self.adopted:
            store = f"objectstore:{self.service.namespace}/{self.store_name}"
            return (self.target.endpoint.rstrip("/"), store, self.server_name)
        return (self.target.endpoint.rstrip("/"), self.destination_path, self.server_name)


def settings_of(service: EffectiveService) -> CnpgSettings | None:
    return CLASS.of(service.defaults) if METHOD in service.methods else None


def clusters_of(service: EffectiveService, cluster: ClusterSpec) -> Iterator[Postgres]:
    """The service's protected Postgres clusters (none when cnpg does not apply)."""
    settings = settings_of(service)
    target = service.s3_target(cluster, settings.target) if settings is not None else None
    if settings is None or not isinstance(target, S3Target):
        return
    for index, entry in enumerate(POSTGRES.of(service.source.policy.spec)):
        yield Postgres(service, index, entry, settings, target)


def all_clusters(scope: Scope) -> Iterator[Postgres]:
    for service in scope.services:
        yield from clusters_of(service, scope.cluster)


def instance_claim(cluster: str) -> re.Pattern[str]:
    """The PVCs CloudNativePG creates for a cluster's instances: data, WAL, tablespaces."""
    return re.compile(rf"^{re.escape(cluster)}-[0-9]+(-wal|-tbs-[a-z0-9-]+)?$")


def _hand_written(
    inventory: Inventory, app_dir: str, group: str, kind: str, name: str
) -> Manifest | None:
    prefix, generated = f"{app_dir}/", f"{app_dir}/backup/"
    for manifest in inventory.manifests:
        path = manifest.file
        if manifest.kind != kind or manifest.group != group or manifest.name != name:
            continue
        if path.startswith(prefix) and not path.startswith(generated):
            return manifest
    return None


def cluster_manifest(inventory: Inventory, app_dir: str, name: str) -> Manifest | None:
    """The hand-written CNPG Cluster ``name`` under the app's folder (not its backup/)."""
    return _hand_written(inventory, app_dir, CNPG_GROUP, "Cluster", name)


def store_manifest(inventory: Inventory, pg: Postgres) -> Manifest | None:
    """The hand-written ObjectStore an adopting cluster names, under the app's folder."""
    if not pg.adopted:
        return None
    return _hand_written(
        inventory, pg.service.app_dir, OBJECT_STORE_GROUP, "ObjectStore", pg.store_name
    )


def scheduled_backups(inventory: Inventory, app_dir: str, cluster: str) -> Iterator[Manifest]:
    """The hand-written ScheduledBackups of the CNPG Cluster ``cluster`` under the app's
    folder (not its backup/). Only that folder: a Cluster's name is its namespace's, and an
    earlier compile's files are no manifests of the inventory (it keeps them as text)."""
    prefix, generated = f"{app_dir}/", f"{app_dir}/backup/"
    for manifest in inventory.manifests:
        if manifest.kind != "ScheduledBackup" or manifest.group != CNPG_GROUP:
            continue
        path = manifest.file
        if not path.startswith(prefix) or path.startswith(generated):
            continue
        if mapping_at(manifest.body, "spec", "cluster").get("name") == cluster:
            yield manifest
