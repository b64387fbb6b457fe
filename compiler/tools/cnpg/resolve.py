"""The Postgres clusters a compile protects, each with everything its objects are made from.

One :class:`Postgres` per ``postgres:`` entry of a service for which the method cnpg applies
and whose class has a ``cnpg:`` block naming an s3 target (BP300/BP301 report the others).
Its object-store location is ``s3://<bucket>/cnpg/<namespace>`` with the server name as the
folder: two clusters that end up at one location would mix their WAL (rule BP391).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from compiler.analyse import EffectiveService, Scope
from compiler.core.rule import PathKey
from compiler.model.cluster import ClusterSpec, S3Target
from compiler.tools.cnpg.names import CNPG_GROUP, METHOD, PATH_PREFIX
from compiler.tools.cnpg.settings import CLASS, POSTGRES, CnpgSettings, PostgresCluster
from compiler.tree import Inventory, Manifest


@dataclass(frozen=True)
class Postgres:
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
    def destination_path(self) -> str:
        return f"s3://{self.target.bucket}/{PATH_PREFIX}/{self.service.namespace}"

    @property
    def location(self) -> tuple[str, str, str]:
        """Where its WAL and base backups go: endpoint, destination path, server name."""
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


def cluster_manifest(inventory: Inventory, app_dir: str, name: str) -> Manifest | None:
    """The hand-written CNPG Cluster ``name`` under the app's folder (not its backup/)."""
    prefix, generated = f"{app_dir}/", f"{app_dir}/backup/"
    for manifest in inventory.manifests:
        path = manifest.file
        if manifest.kind != "Cluster" or manifest.group != CNPG_GROUP or manifest.name != name:
            continue
        if path.startswith(prefix) and not path.startswith(generated):
            return manifest
    return None
