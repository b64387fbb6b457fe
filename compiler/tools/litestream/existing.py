"""What the tree already runs of Litestream for an app: images, configs and replicas.

- Hand-wired containers: every container of the app's hand-written workloads and release
  values whose image is Litestream's (``.../litestream:<tag>``), with the version its tag
  names (``0.5.16@sha256:...`` runs 0.5).
- The committed format: the version the generated config of the app's backup Component
  was written for (its label, else its shape).
- Replicas: every Litestream config written in the app's folder (a ConfigMap's data, a
  chart's values, a file a ``configMapGenerator`` ships; found by their ``dbs:``), and the
  config the compiler committed in the app's backup Component: per database path, where its
  replica lives (bucket and path).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlparse

from msgspec import Struct

from compiler.core.data import mapping_at
from compiler.tools.litestream.names import CONFIG_FILE, CONFIG_KEY, VERSION_LABEL
from compiler.tree import Inventory
from compiler.tree.containers import AppContainer, app_containers
from compiler.tree.nodes import Parse, read_documents

_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.|$)")


def is_litestream(container: AppContainer) -> bool:
    return container.repository.rpartition("/")[2] == "litestream"


def version_of(tag: str) -> str | None:
    """``0.5`` for a tag like ``0.5.16`` (None when the tag names no version: ``latest``)."""
    match = _VERSION.match(tag)
    return f"{match.group(1)}.{match.group(2)}" if match else None


def hand_wired(inventory: Inventory, app_dir: str) -> list[AppContainer]:
    """The Litestream containers the app's own files run."""
    return [c for c in app_containers(inventory, app_dir) if is_litestream(c)]


def _format_of(config_map: Mapping[str, Any]) -> str | None:
    """The format from the version label, else from the config's shape (replica/replicas)."""
    labels = mapping_at(config_map, "metadata", "labels")
    if labels.get(VERSION_LABEL) in {"0.3", "0.5"}:
        return str(labels[VERSION_LABEL])
    text = mapping_at(config_map, "data").get(CONFIG_KEY)
    read = read_documents(text) if isinstance(text, str) else []
    config = read[0].data if isinstance(read, list) and read else None
    dbs = config.get("dbs") if isinstance(config, Mapping) else None
    if not isinstance(dbs, list) or not dbs or not isinstance(dbs[0], Mapping):
        return None
    return "0.5" if "replica" in dbs[0] else "0.3" if "replicas" in dbs[0] else None


def committed_version(inventory: Inventory, app_dir: str) -> str | None:
    """The Litestream format of the generated ConfigMap in the tree, if there is one."""
    path = f"{app_dir}/backup/{CONFIG_FILE}"
    read = inventory.documents(path) if inventory.generated_text(path) is not None else []
    for document in read if isinstance(read, list) else []:
        if isinstance(document.data, Mapping) and document.data.get("kind") == "ConfigMap":
            return _format_of(document.data)
    return None


class ExistingReplica(Struct, frozen=True):
    """An S3 replica of database ``db`` in a config of the tree (``generated``: the config
    the compiler committed). A bucket written as a variable is kept as written."""

    db: str
    bucket: str
    path: str
    file: str
    generated: bool = False


def _replicas(db: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = db.get("replicas") if "replicas" in db else [db.get("replica")]
    return [r for r in found if isinstance(r, Mapping)] if isinstance(found, list) else []


def _location(replica: Mapping[str, Any]) -> tuple[str, str] | None:
    """(bucket, path) of an S3 replica, written as keys or as ``url: s3://bucket/path``."""
    url = replica.get("url")
    if isinstance(url, str) and url.startswith("s3://"):
        parsed = urlparse(url)
        return parsed.netloc, parsed.path.strip("/")
    if replica.get("type", "s3") != "s3" or not isinstance(replica.get("path"), str):
        return None
    return str(replica.get("bucket") or ""), str(replica["path"]).strip("/")


def _config_replicas(config: Any, file: str, generated: bool) -> Iterator[ExistingReplica]:
    dbs = config.get("dbs") if isinstance(config, Mapping) else None
    for db in dbs if isinstance(dbs, list) else []:
        if not isinstance(db, Mapping) or not isinstance(db.get("path"), str):
            continue
        for replica in _replicas(db):
            location = _location(replica)
            if location is not None:
                yield ExistingReplica(db["path"], *location, file, generated)


def _configs(node: Any, parse: Parse) -> Iterator[Any]:
    """Litestream configs in a document: the document itself, or a string in it (parsed by
    ``parse``: the inventory's, which keeps what it parsed between runs)."""
    if isinstance(node, Mapping):
        if isinstance(node.get("dbs"), list):
            yield node
        for value in node.values():
            yield from _configs(value, parse)
    elif isinstance(node, list):
        for item in node:
            yield from _configs(item, parse)
    elif isinstance(node, str) and "dbs:" in node:
        read = parse(node)
        for document in read if isinstance(read, list) else []:
            if isinstance(document.data, Mapping) and isinstance(document.data.get("dbs"), list):
                yield document.data


def existing_replicas(inventory: Inventory, app_dir: str) -> list[ExistingReplica]:
    """Every replica a config in the app's folder declares, hand-written or generated."""
    found: list[ExistingReplica] = []
    for path in inventory.files_under(app_dir):
        tree_file = inventory.files[path]
        if not path.startswith(f"{app_dir}/") or tree_file.text is None:
            continue  # (an app folder "." holds no file by this test)
        if "dbs" not in tree_file.text:
            continue
        read = inventory.documents(path)
        for document in read if isinstance(read, list) else []:
            for config in _configs(document.data, inventory.parse):
                found += _config_replicas(config, path, tree_file.generated)
    return list(dict.fromkeys(found))
