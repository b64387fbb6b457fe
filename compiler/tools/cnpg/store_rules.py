"""Tree rules of an adopted ObjectStore: a ``postgres:`` entry's ``objectStore`` names an
ObjectStore of the app's tree, and what the analysis says of the cluster's copy (its target,
its retention) must be what that ObjectStore does.

The analysis has no tree: it takes the class's target and retention for the copy. Once the
inventory is read these rules hold the named ObjectStore to them (plugin-barman-cloud@v0.14.0
``api/v1/objectstore_types.go``: ``spec.configuration.destinationPath`` is
``s3://<bucket>/<path>``, ``endpointURL`` the S3 endpoint, ``spec.retentionPolicy`` the
recovery window; without one barman-cloud deletes nothing). Its credentials stay its own: the
drill copies the Secrets it names.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

from compiler.core.data import mapping_at
from compiler.core.diagnostics import Diagnostic
from compiler.rules import TreeContext, tree_rule
from compiler.tools.cnpg.names import item_key
from compiler.tools.cnpg.resolve import Postgres, all_clusters, store_manifest
from compiler.tree import Manifest


def _adopting(context: TreeContext) -> Iterator[tuple[Postgres, Manifest | None]]:
    """Each adopting cluster with the ObjectStore it names (None: not in the app's tree)."""
    for pg in all_clusters(context.analysis.scope):
        if pg.adopted:
            yield pg, store_manifest(context.inventory, pg)


def _field(pg: Postgres) -> tuple[str | int, ...]:
    return (*pg.path, "objectStore")


@tree_rule(
    "BP395",
    "cnpg-object-store-missing",
    "error",
    passing="postgres: [{cluster: db, objectStore: db-store}]  # objectstore.yaml: db-store",
    failing="postgres: [{cluster: db, objectStore: nowhere}]  # no such ObjectStore in the app",
)
def object_store_missing(context: TreeContext) -> Iterator[Diagnostic]:
    """An adopted ObjectStore is a hand-written ObjectStore of the app's folder.

    With ``objectStore`` the Component generates no ObjectStore and the plugin archives to
    the named one: if the app's tree has none of that name (outside its ``backup/`` folder,
    which the compiler writes), the Cluster would archive nowhere and the copy would not exist.
    """
    for pg, store in _adopting(context):
        if store is None:
            yield object_store_missing.at(
                pg.service.source.doc,
                _field(pg),
                f"{item_key(pg.cluster)} of {pg.service.key} names the ObjectStore "
                f"{pg.store_name!r}, which is not in the app's tree "
                f"({context.inventory.shown(pg.service.app_dir)}, outside backup/)",
                "name an ObjectStore of the app's folder, or remove objectStore: the "
                f"Component then generates {pg.cluster}-backup",
                subjects=(item_key(pg.cluster), pg.cluster),
            )


def _location(store: Manifest) -> tuple[str, str, str]:
    """(endpoint, bucket, destination path) of an ObjectStore ('' where it has none)."""
    configuration: Any = mapping_at(store.body, "spec", "configuration")
    path = str(configuration.get("destinationPath") or "")
    url = urlparse(path)
    bucket = url.netloc if url.scheme == "s3" else ""
    return str(configuration.get("endpointURL") or "").rstrip("/"), bucket, path


@tree_rule(
    "BP396",
    "cnpg-object-store-target",
    "error",
    passing="# objectstore.yaml: destinationPath s3://<target's bucket>/..., its endpointURL",
    failing="# objectstore.yaml: destinationPath s3://other-bucket/pg, the class's target "
    "names bucket cnpg",
)
def object_store_target(context: TreeContext) -> Iterator[Diagnostic]:
    """An adopted ObjectStore writes to the class's cnpg target.

    The analysis places the cluster's copy on the class's target (its endpoint, bucket,
    offsite flag and the other copies there): the named ObjectStore's ``endpointURL`` and
    the bucket of its ``destinationPath`` must be that target's, or the coverage would count
    a copy where there is none.
    """
    for pg, store in _adopting(context):
        if store is None:
            continue
        endpoint, bucket, path = _location(store)
        wanted = (pg.target.endpoint.rstrip("/"), pg.target.bucket)
        if (endpoint, bucket) != wanted:
            yield object_store_target.at(
                pg.service.source.doc,
                _field(pg),
                f"ObjectStore {pg.store_name!r} ({context.inventory.shown(store.file)}) "
                f"archives to {path or 'no destinationPath'} on {endpoint or 'no endpointURL'}"
                f", not to bucket {wanted[1]} on {wanted[0]} of the target "
                f"{pg.settings.target}: the analysis would count a copy where there is none",
                "point the class's cnpg target at the ObjectStore's endpoint and bucket, or "
                "the ObjectStore at the target's",
                subjects=(item_key(pg.cluster), pg.cluster),
            )


@tree_rule(
    "BP397",
    "cnpg-object-store-retention",
    "error",
    passing="cnpg: {retention: 30d}  # objectstore.yaml: retentionPolicy: 30d",
    failing="cnpg: {retention: 30d}  # objectstore.yaml: retentionPolicy: 7d",
)
def object_store_retention(context: TreeContext) -> Iterator[Diagnostic]:
    """An adopted ObjectStore keeps backups for the class's retention.

    The class's ``retention`` is the recovery window the docs and the restore steps promise;
    barman-cloud applies the named ObjectStore's ``retentionPolicy`` instead (and without one
    deletes nothing). Both must say the same window.
    """
    for pg, store in _adopting(context):
        if store is None:
            continue
        kept = mapping_at(store.body, "spec").get("retentionPolicy")
        if kept != pg.settings.retention:
            window = f"for {kept}" if kept else "for ever (no retentionPolicy)"
            yield object_store_retention.at(
                pg.service.source.doc,
                _field(pg),
                f"ObjectStore {pg.store_name!r} ({context.inventory.shown(store.file)}) keeps "
                f"backups {window}, class {pg.service.classification}'s cnpg retention is "
                f"{pg.settings.retention}",
                "write the same recovery window in the class's cnpg retention and the "
                "ObjectStore's retentionPolicy",
                subjects=(item_key(pg.cluster), pg.cluster),
            )


RULES = (object_store_missing, object_store_target, object_store_retention)
