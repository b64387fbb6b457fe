"""The Litestream configs of the tree as the import reads them: databases and their S3
replicas, the metrics port, the credentials' key names, the configs an earlier compile wrote,
and hand-written age-based cleanup jobs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlparse

from msgspec import Struct

from compiler.tools.importing import Note
from compiler.tree import Inventory
from compiler.tree.nodes import read_documents
from compiler.tree.replicated import ReplicatedDatabase

KEY_NAMES = ("LITESTREAM_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID")


class Replica(Struct, frozen=True):
    db: str
    bucket: str
    path: str
    endpoint: str
    region: str
    settings: Mapping[str, Any]


def configs(node: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(node, Mapping):
        if isinstance(node.get("dbs"), list):
            yield node
        for value in node.values():
            yield from configs(value)
    elif isinstance(node, list):
        for item in node:
            yield from configs(item)
    elif isinstance(node, str) and "dbs:" in node:
        read = read_documents(node)
        for document in read if isinstance(read, list) else []:
            yield from configs(document.data)


def one_replica(db: str, replica: Mapping[str, Any]) -> Replica | None:
    url = str(replica.get("url") or "")
    if url.startswith("s3://"):
        parsed = urlparse(url)
        bucket, path = parsed.netloc, parsed.path
    elif replica.get("type", "s3") == "s3" and replica.get("bucket"):
        bucket, path = str(replica["bucket"]), str(replica.get("path") or "")
    else:
        return None
    endpoint, region = str(replica.get("endpoint") or ""), str(replica.get("region") or "")
    return Replica(db, bucket, path.strip("/"), endpoint, region, replica)


def replicas(inventory: Inventory, file: str) -> list[Replica]:
    read = inventory.documents(file)
    found: list[Replica] = []
    for document in read if isinstance(read, list) else []:
        for config in configs(document.data):
            for db in config["dbs"]:
                listed = (
                    db.get("replicas") or [db.get("replica")] if isinstance(db, Mapping) else []
                )
                for entry in listed if isinstance(listed, list) else []:
                    made = (
                        one_replica(str(db.get("path")), entry)
                        if isinstance(entry, Mapping)
                        else None
                    )
                    found += [made] if made is not None else []
    return found


def metrics_port(inventory: Inventory, file: str) -> int | None:
    """The port of a config's ``addr`` (``:9091``): where its metrics listen."""
    read = inventory.documents(file)
    for document in read if isinstance(read, list) else []:
        for config in configs(document.data):
            port = str(config.get("addr") or "").rpartition(":")[2]
            if port.isdigit():
                return int(port)
    return None


def key_names(inventory: Inventory, app_dir: str) -> tuple[str, str] | None:
    for path, tree_file in inventory.files.items():
        if path.startswith(f"{app_dir}/") and tree_file.text:
            for name in KEY_NAMES:
                if name in tree_file.text:
                    return name, name.replace("ACCESS_KEY_ID", "SECRET_ACCESS_KEY")
    return None


def generated_databases(inventory: Inventory) -> list[ReplicatedDatabase]:
    """The databases of the configs an earlier compile wrote (``backup/`` Components)."""
    found = []
    for path in inventory.generated_paths:
        text = inventory.generated_text(path) or ""
        if "dbs:" not in text:
            continue
        line = next(n for n, t in enumerate(text.splitlines(), 1) if "dbs:" in t)
        for replica in replicas(inventory, path):
            found.append(ReplicatedDatabase(replica.db, path, (line, 1)))
    return list(dict.fromkeys(found))


DEFAULT_PORT = 9090
CLEANUP = ("rclone delete", "mc rm", "--older-than", "--min-age")


def cleanup_jobs(inventory: Inventory) -> list[Note]:
    """Hand-written age-based cleanup jobs (reported: the generated cleanup may replace them)."""
    found = []
    for path, tree_file in sorted(inventory.files.items()):
        text = tree_file.text or ""
        if tree_file.generated or not any(word in text for word in CLEANUP[:2]):
            continue
        line = next(
            n for n, t in enumerate(text.splitlines(), 1) if any(w in t for w in CLEANUP[:2])
        )
        message = (
            "an existing cleanup job deletes replica files by age: kept as it is; compare "
            "it with the generated Litestream cleanup (litestream.cleanup) before turning "
            "either off"
        )
        found.append(Note(path, (line, 1), message))
    return found
