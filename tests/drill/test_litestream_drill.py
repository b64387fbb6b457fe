"""The Litestream drill Job, run here with the real binaries against SeaweedFS (SPEC §7).

The Job's two containers are run as the cluster would run them, on this machine: the init
container's script (templates/drill/litestream-restore.sh) under busybox sh with the
generated config and ``RESTORES``, the real ``litestream`` on the PATH and the Secret's
variables filled with the local server's keys; then the check container's smoke script over
the copies. Only the S3 endpoint and bucket of the config change (each generated bucket
becomes a fresh one). A good replica passes; a missing one and a corrupted one fail.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from compiler.core.emit import dump
from tests.conftest import require_tool
from tests.drill.helpers import copy_example, documents, env, load_all, run_drill
from tests.drill.lz4frame import frame
from tests.litestream.binaries import require_litestream
from tests.litestream.example import edit_yaml
from tests.litestream.local import corrupted_database, rows, wait_for_objects, write_rows
from tests.support.fixtures import BucketFactory
from tests.support.litestream import Replicator
from tests.support.s3server import SeaweedS3, go_env

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Job:
    """One service's drill Job: its config, the restore and check containers."""

    config: dict[str, Any]
    restore: dict[str, Any]
    check: dict[str, Any]


def drill_jobs(root: Path, test_id: str) -> dict[str, Job]:
    result = run_drill(root, test_id)
    jobs = {}
    for rel, docs in documents(root, result).items():
        if "/litestream/" not in rel:
            continue
        config_map, job = docs
        pod = job["spec"]["template"]["spec"]
        config = load_all(config_map["data"]["litestream.yml"])[0]
        jobs[job["metadata"]["name"]] = Job(config, pod["initContainers"][0], pod["containers"][0])
    return jobs


def localised(job: Job, s3_buckets: BucketFactory) -> dict[str, Any]:
    """The Job's config with each generated bucket a fresh local one, nothing else changed."""
    config = copy.deepcopy(job.config)
    local: dict[str, Any] = {}
    for db in config["dbs"]:
        for replica in db.get("replicas", [db.get("replica")]):
            if replica["bucket"] not in local:
                local[replica["bucket"]] = s3_buckets(replica["bucket"])
            replica["endpoint"] = local[replica["bucket"]].endpoint
            replica["bucket"] = local[replica["bucket"]].name
    return config


def secrets(container: dict[str, Any], s3: SeaweedS3) -> dict[str, str]:
    """The container's secretKeyRef variables, filled with the local server's key pair."""
    found = {}
    for var in container["env"]:
        if "valueFrom" in var:
            is_id = var["name"].endswith("ACCESS_KEY_ID")
            found[var["name"]] = s3.access_key if is_id else s3.secret_key
    return found


def replicate(
    config: dict[str, Any], s3: SeaweedS3, env_vars: dict[str, str], work: Path, binary: str
) -> dict[str, list[Any]]:
    """Write rows to a local database per declared one while `litestream replicate` of the
    same replicas runs; the rows each database holds."""
    local = copy.deepcopy(config)
    local.pop("addr", None)
    written: dict[str, list[Any]] = {}
    for db in local["dbs"]:
        path = work / "app" / Path(db["path"]).name
        path.parent.mkdir(parents=True, exist_ok=True)
        written[db["path"]], db["path"] = [], str(path)
        for replica in db.get("replicas", [db.get("replica")]):
            replica["sync-interval"] = "1s"
    config_path = work / "replicate.yml"
    config_path.write_text(dump(local))
    log = work / "replicate.log"
    with Replicator(config_path, env=env_vars, binary=binary, log_path=log) as replicator:
        for db in local["dbs"]:
            write_rows(Path(db["path"]), 1, 200)
        for db in local["dbs"]:
            for replica in db.get("replicas", [db.get("replica")]):
                wait_for_objects(s3, replica["bucket"], replica["path"])
        replicator.settle()
    for original, db in zip(config["dbs"], local["dbs"], strict=True):
        written[original["path"]] = rows(Path(db["path"]))
    return written


def run_job(
    job: Job, config: dict[str, Any], s3: SeaweedS3, work: Path, binary: str
) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str] | None]:
    """The restore container, then (if it succeeded) the check container."""
    require_tool("busybox", shutil.which("busybox") is not None)
    require_tool("sqlite3", shutil.which("sqlite3") is not None)
    scripts = work / "scripts"
    scripts.mkdir(exist_ok=True)
    for name in ("litestream-restore.sh", "smoke.sh"):
        shutil.copy(Path(__file__).resolve().parents[2] / "templates/drill" / name, scripts)
    bin_dir = work / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "litestream").unlink(missing_ok=True)
    (bin_dir / "litestream").symlink_to(binary)
    config_path, copies = work / "litestream.yml", work / "restore"
    config_path.write_text(dump(config))
    copies.mkdir(exist_ok=True)
    path = f"{bin_dir}:{os.environ['PATH']}"
    restore_env = go_env({**env(job.restore), **secrets(job.restore, s3), "PATH": path})
    restore_env |= {"LITESTREAM_CONFIG": str(config_path), "RESTORE_ROOT": str(copies)}
    restored = _sh(scripts / "litestream-restore.sh", restore_env)
    if restored.returncode != 0:
        return restored, None
    check_env = {**env(job.check), "CHECK_ROOT": str(copies), "PATH": path}
    return restored, _sh(scripts / "smoke.sh", check_env)


def _sh(script: Path, variables: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["busybox", "sh", str(script)],
        env=variables,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="module")
def jobs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Job]:
    root = copy_example(tmp_path_factory.mktemp("litestream-drill"))
    plan = root / "policies/restore-tests.yaml"
    plan.write_text(
        plan.read_text().replace(
            "services: [productivity/linkding, tools/spoolman]",
            "services: [productivity/linkding, tools/spoolman, network/python-ipam]",
        )
    )
    return drill_jobs(root, "BT-LS-01")


@pytest.mark.parametrize(
    "name", ["bp-drill-litestream-spoolman", "bp-drill-litestream-python-ipam"]
)
def test_a_good_replica_passes(
    name: str, jobs: dict[str, Job], s3_server: SeaweedS3, s3_buckets: BucketFactory, tmp_path: Path
) -> None:
    binary = require_litestream("0.3")
    job = jobs[name]
    config = localised(job, s3_buckets)
    written = replicate(
        config, s3_server, go_env(secrets(job.restore, s3_server)), tmp_path, binary
    )
    restored, checked = run_job(job, config, s3_server, tmp_path, binary)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert checked is not None
    assert checked.returncode == 0, checked.stdout + checked.stderr
    copies = env(job.check)["SQLITE_DBS"].splitlines()
    replica_count = sum(len(db.get("replicas", [1])) for db in job.config["dbs"])
    assert len(copies) == replica_count  # every replica of every database, python-ipam has 2
    for copy_path in copies:
        (db,) = [d for d in job.config["dbs"] if Path(d["path"]).name == Path(copy_path).name]
        assert rows(tmp_path / "restore" / copy_path) == written[db["path"]]
        assert f"ok   {copy_path}: integrity_check ok" in checked.stdout


def test_a_missing_replica_fails(
    jobs: dict[str, Job], s3_server: SeaweedS3, s3_buckets: BucketFactory, tmp_path: Path
) -> None:
    binary = require_litestream("0.3")
    job = jobs["bp-drill-litestream-spoolman"]
    config = localised(job, s3_buckets)  # fresh buckets: nothing was ever replicated
    restored, checked = run_job(job, config, s3_server, tmp_path, binary)
    assert restored.returncode == 1, restored.stdout + restored.stderr
    assert (
        "FAIL cannot restore /home/app/.local/share/spoolman/spoolman.db from garage"
        in restored.stdout
    )
    assert checked is None


@pytest.mark.parametrize("damage", ["not-lz4", "corrupted-database"])
def test_a_corrupted_replica_fails(
    damage: str,
    jobs: dict[str, Job],
    s3_server: SeaweedS3,
    s3_buckets: BucketFactory,
    tmp_path: Path,
) -> None:
    """Garbage where the snapshot was fails the restore; a snapshot that is a valid LZ4
    frame of a corrupted database restores, and the integrity check fails it."""
    binary = require_litestream("0.3")
    job = jobs["bp-drill-litestream-spoolman"]
    config = localised(job, s3_buckets)
    replicate(config, s3_server, go_env(secrets(job.restore, s3_server)), tmp_path, binary)
    replica = config["dbs"][0]["replicas"][0]
    objects = s3_server.list_objects(replica["bucket"], replica["path"] + "/")
    snapshots = [o.key for o in objects if "/snapshots/" in o.key]
    assert snapshots
    data = bytes(range(256)) * 64 if damage == "not-lz4" else frame(corrupted_database(tmp_path))
    for key in snapshots:
        s3_server.put_object(replica["bucket"], key, data)
    restored, checked = run_job(job, config, s3_server, tmp_path, binary)
    if damage == "not-lz4":
        assert restored.returncode == 1 and "FAIL cannot restore" in restored.stdout
    else:
        assert checked is not None
        assert checked.returncode == 1, restored.stdout
        assert "FAIL garage/spoolman.db: integrity_check: " in checked.stdout


def test_the_05_drill_restores_its_single_replica(
    tmp_path: Path, s3_server: SeaweedS3, s3_buckets: BucketFactory
) -> None:
    binary = require_litestream("0.5")
    root = copy_example(tmp_path / "example")

    def to_05(data: Any) -> None:
        data["spec"]["litestream"] = {"version": "0.5", "acknowledgeMigration": True}

    edit_yaml(root / "policies/services/spoolman.yaml", to_05)
    job = drill_jobs(root, "BT-LS-01")["bp-drill-litestream-spoolman"]
    assert (
        env(job.restore)["RESTORES"]
        == "/home/app/.local/share/spoolman/spoolman.db garage/spoolman.db"
    )
    config = localised(job, s3_buckets)
    work = tmp_path / "work"
    work.mkdir()
    written = replicate(config, s3_server, go_env(secrets(job.restore, s3_server)), work, binary)
    restored, checked = run_job(job, config, s3_server, work, binary)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert checked is not None
    assert checked.returncode == 0, checked.stdout
    assert (
        rows(work / "restore/garage/spoolman.db")
        == written["/home/app/.local/share/spoolman/spoolman.db"]
    )
