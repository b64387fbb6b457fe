"""Local stand-ins for a cluster's surroundings: SeaweedFS, SQLite rows, generated configs
made to run on this machine (only endpoint, bucket, database path and metrics address change).

The S3 server is the session's SeaweedFS (tests/support/fixtures.py); each generated bucket name
becomes a fresh bucket of it for the test, so no test sees another's generations."""

from __future__ import annotations

import copy
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.litestream.example import AppLitestream
from tests.support.fixtures import BucketFactory
from tests.support.litestream import Replicator
from tests.support.s3server import S3Bucket, SeaweedS3, go_env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def replicas(db: dict[str, Any]) -> list[dict[str, Any]]:
    return list(db["replicas"]) if "replicas" in db else [db["replica"]]


def localise(app: AppLitestream, s3_buckets: BucketFactory, workdir: Path) -> dict[str, Any]:
    """A copy of the generated config with the endpoint, db path and addr made local.

    Every generated bucket becomes a new, empty bucket named after it (``k8up`` -> ``k8up-7``);
    replicas that share a generated bucket share the new one, distinct ones stay distinct.
    """
    config = copy.deepcopy(app.config)
    config["addr"] = f"127.0.0.1:{_free_port()}"
    local: dict[str, S3Bucket] = {}
    for db in config["dbs"]:
        db["path"] = str(workdir / Path(db["path"]).name)
        for replica in replicas(db):
            if replica["bucket"] not in local:
                local[replica["bucket"]] = s3_buckets(replica["bucket"])
            bucket = local[replica["bucket"]]
            replica["bucket"] = bucket.name
            replica["endpoint"] = bucket.endpoint
    return config


def credentials_env(app: AppLitestream, s3: SeaweedS3) -> dict[str, str]:
    """The sidecar's secretKeyRef variables, filled with the local server's key pair."""
    env = {}
    for var in app.container("litestream").get("env", []):
        if "valueFrom" in var:
            is_id = var["name"].endswith("ACCESS_KEY_ID")
            env[var["name"]] = s3.access_key if is_id else s3.secret_key
    assert env, "the sidecar must get S3 credentials from a Secret"
    return go_env(env)


def write_rows(path: Path, start: int, count: int) -> None:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)")
        db.executemany(
            "INSERT INTO t VALUES (?, ?)",
            [(i, f"row {i} " + "x" * 100) for i in range(start, start + count)],
        )
    db.close()


def rows(path: Path) -> list[tuple[int, str]]:
    db = sqlite3.connect(path)
    try:
        return list(db.execute("SELECT id, v FROM t ORDER BY id"))
    finally:
        db.close()


def run(binary: str, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [binary, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"{args}: {result.stdout}{result.stderr}"
    return result


def metrics(addr: str) -> str:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 10
    while True:
        try:
            with opener.open(f"http://{addr}/metrics", timeout=5) as response:
                return str(response.read().decode())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def wait_for_objects(s3: SeaweedS3, bucket: str, prefix: str, timeout: float = 30.0) -> None:
    """Until litestream has written something under ``prefix`` (its monitor runs every 1 s)."""
    deadline = time.monotonic() + timeout
    while not s3.list_objects(bucket, prefix + "/"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing replicated to {bucket}/{prefix} within {timeout}s")
        time.sleep(0.2)


def bucket_generations(s3: SeaweedS3, bucket: str, prefix: str) -> set[str]:
    """The generation ids of the 0.3 replica at ``prefix``, as the bucket lists them."""
    keys = [o.key for o in s3.list_objects(bucket, prefix + "/generations/")]
    return {k.split("/generations/")[1].split("/")[0] for k in keys}


def new_generation(
    s3: SeaweedS3, bucket: str, prefix: str, replicator: Replicator, db: Path, start: int
) -> str:
    """Rows written while ``replicator`` runs, until a generation not seen before is in the
    bucket; its id."""
    known = bucket_generations(s3, bucket, prefix)
    with replicator:
        write_rows(db, start, 20)
        deadline = time.monotonic() + 30
        while not (new := bucket_generations(s3, bucket, prefix) - known):
            assert time.monotonic() < deadline, "no new generation"
            time.sleep(0.2)
    (generation,) = new
    return generation


def corrupted_database(work: Path) -> bytes:
    """A database whose middle page is garbage: it opens, integrity_check fails."""
    path = work / "corrupted.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        db.executemany("INSERT INTO t VALUES (?, ?)", [(i, "x" * 200) for i in range(2000)])
    db.close()
    data = bytearray(path.read_bytes())
    middle = len(data) // 4096 // 2 * 4096
    data[middle : middle + 4096] = bytes(range(256)) * 16
    return bytes(data)


def pod_env(container: dict[str, Any], s3: SeaweedS3) -> dict[str, str]:
    """A generated container's env as the pod gets it: the values written, and each key
    taken from a Secret holding the local server's key pair."""
    env = {}
    for var in container["env"]:
        if "valueFrom" in var:
            is_id = var["name"].endswith("ACCESS_KEY_ID")
            env[var["name"]] = s3.access_key if is_id else s3.secret_key
        else:
            env[var["name"]] = var["value"]
    return env
