"""Import of existing CloudNativePG ``Cluster`` objects with their ObjectStore and
ScheduledBackup.

A Cluster that archives WAL (through the barman-cloud plugin's ``barmanObjectName`` or the
in-tree ``spec.backup.barmanObjectStore``) is a ``postgres:`` entry of its app, with a
``cnpg`` copy whose gap is the archive timeout; the ObjectStore gives the target and the
retention, the ScheduledBackup (six fields, seconds first) the base-backup schedule. An
ObjectStore of the Cluster's app folder is adopted (the entry's ``objectStore``): the Cluster
keeps archiving to it. Otherwise the generated ObjectStore writes below its own destination
path: the old one is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlparse

from msgspec.structs import replace

from compiler.core.data import mapping_at
from compiler.core.durations import parse_duration
from compiler.tools.cnpg.cron6 import as_five_fields
from compiler.tools.cnpg.names import CNPG_GROUP, METHOD, item_key, object_name, patch_file
from compiler.tools.importing import (
    ImportedApp,
    ImportedCopy,
    ImportedPart,
    Note,
    app_folder,
    dns_label,
    merged,
    note,
    of_kind,
    place_of,
    s3_target,
)
from compiler.tools.json_patch import json_patched
from compiler.tree import Inventory, Manifest
from compiler.tree.census import TreeItem
from compiler.tree.fluxapps import FluxIndex, flux_index
from compiler.tree.nodes import read_documents

ARCHIVE_TIMEOUT = "5m"


def _store(inventory: Inventory, cluster: Manifest) -> Mapping[str, Any] | None:
    """The barman configuration the Cluster archives to (plugin ObjectStore or in-tree)."""
    spec = mapping_at(cluster.body, "spec")
    for plugin in spec.get("plugins") or []:
        name = mapping_at(plugin, "parameters").get("barmanObjectName")
        for store in of_kind(inventory, "barmancloud.cnpg.io", "ObjectStore"):
            if store.name == name:
                return {
                    **mapping_at(store.body, "spec", "configuration"),
                    "retentionPolicy": mapping_at(store.body, "spec").get("retentionPolicy"),
                    "at": store,
                }
    in_tree = mapping_at(spec, "backup", "barmanObjectStore")
    if in_tree:
        return {
            **in_tree,
            "retentionPolicy": mapping_at(spec, "backup").get("retentionPolicy"),
            "at": cluster,
        }
    return None


def _target(store: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    url = urlparse(str(store.get("destinationPath") or ""))
    keys = mapping_at(store, "s3Credentials")
    access, secret = mapping_at(keys, "accessKeyId"), mapping_at(keys, "secretAccessKey")
    endpoint = str(store.get("endpointURL") or "")
    if url.scheme != "s3" or not endpoint.startswith("http") or not access.get("name"):
        return None
    credentials = {
        "name": access["name"],
        "accessKeyIdKey": access.get("key", "access-key-id"),
        "secretAccessKeyKey": secret.get("key", "secret-access-key"),
    }
    return dns_label("cnpg", url.netloc, str(access["name"])), s3_target(
        endpoint, url.netloc, "", credentials
    )


def _schedule(inventory: Inventory, cluster: Manifest) -> tuple[str, Manifest] | None:
    for backup in of_kind(inventory, "postgresql.cnpg.io", "ScheduledBackup"):
        if mapping_at(backup.body, "spec", "cluster").get("name") == cluster.name:
            five = as_five_fields(str(mapping_at(backup.body, "spec").get("schedule", "")))
            return (five, backup) if five else None
    return None


_PG_TIME = re.compile(r"([1-9][0-9]*)\s*(min|m|s|h|d)?")
_PG_UNITS = {"min": "m", "m": "m", "s": "s", "h": "h", "d": "d", None: "s"}


def _archive_timeout(cluster: Manifest) -> str:
    """The Cluster's ``archive_timeout`` as a policy duration: PostgreSQL's units (``5min``,
    as the compiler writes it; a bare number is seconds), and ``m`` for minutes."""
    parameters = mapping_at(cluster.body, "spec", "postgresql", "parameters")
    match = _PG_TIME.fullmatch(str(parameters.get("archive_timeout") or "").strip())
    return f"{match[1]}{_PG_UNITS[match[2]]}" if match else ARCHIVE_TIMEOUT


def _entry(inventory: Inventory, cluster: Manifest, store: Mapping[str, Any]) -> dict[str, Any]:
    """The ``postgres:`` entry: the plugin's serverName when it is not the cluster's name,
    and ``objectStore`` when the plugin archives to a hand-written ObjectStore of the
    Cluster's app folder (the policy adopts it: the Cluster keeps archiving where it does;
    one the compiler wrote is its own, generated again)."""
    entry: dict[str, Any] = {"cluster": cluster.name}
    server = next(
        (
            mapping_at(p, "parameters").get("serverName")
            for p in mapping_at(cluster.body, "spec").get("plugins") or []
        ),
        None,
    )
    if isinstance(server, str) and server != cluster.name:
        entry["serverName"] = server
    at: Manifest = store["at"]
    hand_written = inventory.generated_text(at.file) is None
    if (
        at.kind == "ObjectStore"
        and hand_written
        and at.file.startswith(f"{app_folder(cluster.file)}/")
    ):
        entry["objectStore"] = at.name
    return entry


def _store_note(store: Mapping[str, Any], entry: Mapping[str, Any]) -> Note:
    where = store.get("destinationPath")
    if "objectStore" in entry:
        return note(
            store["at"],
            f"adopted (objectStore: {entry['objectStore']}): the WAL archive and base backups "
            f"stay at {where}; its endpoint, bucket and retentionPolicy must be the class's "
            "cnpg target and retention (BP396, BP397)",
        )
    return note(
        store["at"],
        f"the WAL archive and base backups at {where} stay there for restores; the "
        "generated ObjectStore writes below its own path",
    )


def _schedule_notes(
    inventory: Inventory, cluster: Manifest, scheduled: tuple[str, Manifest] | None
) -> list[Note]:
    """Where the base-backup schedule comes from; a hand-written ScheduledBackup would run
    beside the generated one (rule BP399), an earlier compile's is written again."""
    if scheduled is None:
        return [
            note(
                cluster,
                "no ScheduledBackup with a readable schedule: the class's base-backup "
                "schedule is used",
            )
        ]
    backup = scheduled[1]
    if inventory.generated_text(backup.file) is not None:
        return []
    return [
        note(
            backup,
            "its schedule is imported; delete it after the first compile, the generated "
            f"{object_name(cluster.name)} replaces it",
        )
    ]


def _cluster(inventory: Inventory, index: FluxIndex, cluster: Manifest) -> ImportedPart:
    store = _store(inventory, cluster)
    if store is None:
        return ImportedPart(
            unmapped=(
                note(
                    cluster,
                    "archives no WAL (no barman-cloud ObjectStore or barmanObjectStore): "
                    "nothing to import",
                ),
            )
        )
    target = _target(store)
    if target is None:
        return ImportedPart(
            unmapped=(
                note(store["at"], "no s3:// destinationPath with endpointURL and s3Credentials"),
            )
        )
    timeout = _archive_timeout(cluster)
    block: dict[str, Any] = {"target": target[0], "archiveTimeout": timeout}
    if "backup" in mapping_at(cluster.body, "spec") and not mapping_at(cluster.body, "spec").get(
        "plugins"
    ):
        block["method"] = "barmanObjectStore"
    retention = str(store.get("retentionPolicy") or "")
    if retention:
        block["retention"] = retention
    entry = _entry(inventory, cluster, store)
    notes = [_store_note(store, entry)]
    scheduled = _schedule(inventory, cluster)
    if scheduled is not None:
        block["schedule"] = scheduled[0]
    notes.extend(_schedule_notes(inventory, cluster, scheduled))
    key = place_of(index, cluster.file, cluster.namespace)
    copy = ImportedCopy(
        "cnpg",
        METHOD,
        key,
        item_key(cluster.name),
        parse_duration(timeout),
        True,
        block,
        cluster.file,
        cluster.at,
    )
    app = ImportedApp(key, app_folder(cluster.file), postgres=(entry,))
    return ImportedPart((copy,), (app,), {target[0]: target[1]}, {}, (), tuple(notes))


def _as_patched(inventory: Inventory, cluster: Manifest) -> Manifest:
    """A hand-written Cluster as an earlier compile's JSON6902 patch leaves it (the plugin
    entry and archive_timeout it adds: a Cluster with plugins of its own is patched so):
    what archives its WAL today."""
    suffix = f"/backup/{patch_file(cluster.name)}"
    for path in inventory.generated_paths:
        if path.endswith(suffix) and cluster.file.startswith(path[: -len(suffix) + 1]):
            read = read_documents(inventory.generated_text(path) or "")
            operations = read[0].data if isinstance(read, list) and len(read) == 1 else None
            body = json_patched(cluster.body, operations)
            if body is not None:
                return replace(cluster, body=body)
    return cluster


def import_existing(inventory: Inventory) -> ImportedPart:
    """Every CloudNativePG Cluster of the tree that archives its WAL."""
    index = flux_index(inventory)
    clusters = list(of_kind(inventory, "postgresql.cnpg.io", "Cluster"))
    patched = {m.name for m in clusters if inventory.generated_text(m.file) is not None}
    kept = [m for m in clusters if m.name not in patched or inventory.generated_text(m.file)]
    return merged([_cluster(inventory, index, _as_patched(inventory, m)) for m in kept])


def census_items(inventory: Inventory) -> Iterator[TreeItem]:
    """Every Cluster written in the tree: databases whose PVCs the operator makes, so no
    file of the tree names them (an earlier compile's objects are not Clusters of the tree)."""
    index = flux_index(inventory)
    for cluster in inventory.manifests:
        if cluster.kind == "Cluster" and cluster.group == CNPG_GROUP:
            namespace, app = place_of(index, cluster.file, cluster.namespace)
            where = (cluster.file, cluster.at, "CloudNativePG Cluster")
            yield TreeItem("postgres", cluster.name, namespace, app, "", *where)
