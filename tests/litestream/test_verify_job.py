"""The restore verification CronJob (``litestream.verify``), run for real (SPEC §7).

The example is compiled; the CronJob's two containers are run as the cluster would run them,
on this machine: the generated script (Flux-substituted, from its ConfigMap) with ``restore``
under busybox sh with the real ``litestream`` and the sidecar's config (only each bucket's
endpoint and name localised to SeaweedFS), then with ``check`` with the real ``sqlite3``. A
good replica passes; an empty bucket, a corrupted database and a failed row check fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from compiler.core.emit import dump
from compiler.pipeline.build import BuildResult
from tests.conftest import require_tool
from tests.drill.helpers import env
from tests.drill.lz4frame import frame
from tests.drill.test_litestream_drill import Job, localised, replicate, secrets
from tests.litestream.binaries import require_litestream
from tests.litestream.example import (
    compile_tree,
    copy_example,
    edit_yaml,
    errors,
    flux_applied,
    flux_substitute,
    load_all,
)
from tests.litestream.local import corrupted_database
from tests.support.fixtures import BucketFactory
from tests.support.s3server import SeaweedS3, go_env
from tests.support.validation import kustomize_build, validate_stream
from tests.support.validation.schemas import SchemaRegistry

pytestmark = pytest.mark.integration

IPAM = "kubernetes/apps/network/python-ipam/backup"


@dataclass(frozen=True)
class Verify:
    """One service's verification: its script and the pod's two containers."""

    script: str
    job: Job


def verify_of(result: BuildResult, folder: str) -> Verify:
    """The verification as Flux applies it: python-ipam's Kustomization substitutes nothing,
    so its script runs with its ``${VAR}`` as the compiler wrote them."""
    config_map, cronjob = load_all(flux_applied(result, f"{folder}/litestream-verify.yaml"))
    config = load_all(flux_applied(result, f"{folder}/litestream-config.yaml"))[0]
    pod = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    litestream = load_all(config["data"]["litestream.yml"])[0]
    job = Job(litestream, pod["initContainers"][0], pod["containers"][0])
    return Verify(config_map["data"]["verify.sh"], job)


def compiled(root: Path, folder: str) -> Verify:
    result = compile_tree(root)
    assert not errors(result), errors(result)
    assert result.outputs is not None
    return verify_of(result, folder)


@pytest.fixture(scope="module")
def ipam(tmp_path_factory: pytest.TempPathFactory) -> Verify:
    root = copy_example(tmp_path_factory.mktemp("verify"))

    def row_check(data: Any) -> None:
        data["spec"]["sqlite"][0]["rowCheck"] = {"query": "SELECT count(*) FROM t", "minRows": 200}

    edit_yaml(root / "policies/services/python-ipam.yaml", row_check)
    return compiled(root, IPAM)


def run(
    verify: Verify, config: dict[str, Any], s3: SeaweedS3, work: Path, binary: str
) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str] | None]:
    """The restore container, then (if it succeeded) the check container."""
    require_tool("busybox", shutil.which("busybox") is not None)
    require_tool("sqlite3", shutil.which("sqlite3") is not None)
    script, config_path, root = work / "verify.sh", work / "litestream.yml", work / "restore"
    script.write_text(verify.script)
    config_path.write_text(dump(config))
    root.mkdir(exist_ok=True)
    bin_dir = work / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "litestream").unlink(missing_ok=True)
    (bin_dir / "litestream").symlink_to(binary)
    path = f"{bin_dir}:{os.environ['PATH']}"
    job = verify.job
    restore_env = go_env({**env(job.restore), **secrets(job.restore, s3), "PATH": path})
    restore_env |= {"LITESTREAM_CONFIG": str(config_path), "VERIFY_ROOT": str(root)}
    restored = _sh(script, "restore", restore_env)
    if restored.returncode != 0:
        return restored, None
    return restored, _sh(
        script, "check", {**env(job.check), "VERIFY_ROOT": str(root), "PATH": path}
    )


def _sh(script: Path, phase: str, variables: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["busybox", "sh", str(script), phase],
        env=variables,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_every_generated_script_passes_shellcheck(repo: Path, tmp_path: Path) -> None:
    require_tool("shellcheck", shutil.which("shellcheck") is not None)
    files = sorted((repo / "out").rglob("litestream-verify.yaml"))
    assert files, "the example verifies the restores of a class"
    for file in files:
        script = tmp_path / f"{file.parent.parent.name}.sh"
        script.write_text(flux_substitute(load_all(file.read_text())[0]["data"]["verify.sh"]))
        done = subprocess.run(
            ["shellcheck", "-s", "sh", str(script)], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_a_good_replica_passes(
    ipam: Verify, s3_server: SeaweedS3, s3_buckets: BucketFactory, tmp_path: Path
) -> None:
    binary = require_litestream("0.3")
    config = localised(ipam.job, s3_buckets)
    keys = go_env(secrets(ipam.job.restore, s3_server))
    replicate(config, s3_server, keys, tmp_path, binary)
    restored, checked = run(ipam, config, s3_server, tmp_path, binary)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert checked is not None
    assert checked.returncode == 0, checked.stdout + checked.stderr
    for replica in ("garage", "minio-nas"):  # every replica of the database
        assert f"ok   restored /data/ipam.db to {replica}/0-ipam.db" in restored.stdout
        assert (
            f"ok   {replica}/0-ipam.db: integrity ok, 'SELECT count(*) FROM t' = 200 "
            "(at least 200)" in checked.stdout
        )


def test_too_few_rows_fail(s3_server: SeaweedS3, s3_buckets: BucketFactory, tmp_path: Path) -> None:
    binary = require_litestream("0.3")
    root = copy_example(tmp_path / "example")

    def row_check(data: Any) -> None:
        data["spec"]["sqlite"][0]["rowCheck"] = {"query": "SELECT count(*) FROM t", "minRows": 201}

    edit_yaml(root / "policies/services/python-ipam.yaml", row_check)
    verify = compiled(root, IPAM)
    config = localised(verify.job, s3_buckets)
    replicate(config, s3_server, go_env(secrets(verify.job.restore, s3_server)), tmp_path, binary)
    restored, checked = run(verify, config, s3_server, tmp_path, binary)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert checked is not None
    assert checked.returncode == 1, checked.stdout
    assert "FAIL garage/0-ipam.db: 'SELECT count(*) FROM t' = 200, less than 201" in checked.stdout


def test_an_empty_bucket_fails(
    ipam: Verify, s3_server: SeaweedS3, s3_buckets: BucketFactory, tmp_path: Path
) -> None:
    binary = require_litestream("0.3")
    config = localised(ipam.job, s3_buckets)  # fresh buckets: nothing was ever replicated
    restored, checked = run(ipam, config, s3_server, tmp_path, binary)
    assert restored.returncode == 1, restored.stdout + restored.stderr
    assert "FAIL cannot restore /data/ipam.db (-replica garage)" in restored.stdout
    assert checked is None


def test_a_corrupted_database_fails(
    ipam: Verify, s3_server: SeaweedS3, s3_buckets: BucketFactory, tmp_path: Path
) -> None:
    binary = require_litestream("0.3")
    config = localised(ipam.job, s3_buckets)
    replicate(config, s3_server, go_env(secrets(ipam.job.restore, s3_server)), tmp_path, binary)
    replica = config["dbs"][0]["replicas"][0]
    objects = s3_server.list_objects(replica["bucket"], replica["path"] + "/")
    snapshots = [o.key for o in objects if "/snapshots/" in o.key]
    assert snapshots
    for key in snapshots:
        s3_server.put_object(replica["bucket"], key, frame(corrupted_database(tmp_path)))
    restored, checked = run(ipam, config, s3_server, tmp_path, binary)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert checked is not None
    assert checked.returncode == 1, checked.stdout
    assert "FAIL garage/0-ipam.db: PRAGMA integrity_check: " in checked.stdout
    assert "ok   minio-nas/0-ipam.db: integrity ok" in checked.stdout  # the intact replica


def test_the_05_verification_restores_its_single_replica(
    s3_server: SeaweedS3, s3_buckets: BucketFactory, tmp_path: Path
) -> None:
    binary = require_litestream("0.5")
    root = copy_example(tmp_path / "example")

    def to_05(data: Any) -> None:
        data["spec"]["litestream"].update({"version": "0.5", "acknowledgeMigration": True})

    edit_yaml(root / "policies/services/linkding.yaml", to_05)
    folder = "kubernetes/apps/productivity/linkding/backup"
    verify = compiled(root, folder)
    assert verify.job.restore["image"].startswith("litestream/litestream:0.5")
    assert "restore /etc/linkding/data/db.sqlite3 garage/0-db.sqlite3 ''" in verify.script
    config = localised(verify.job, s3_buckets)
    work = tmp_path / "work"
    work.mkdir()
    replicate(config, s3_server, go_env(secrets(verify.job.restore, s3_server)), work, binary)
    restored, checked = run(verify, config, s3_server, work, binary)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    # linkding's rowCheck counts auth_user, which the test's rows do not create
    assert checked is not None
    assert checked.returncode == 1, checked.stdout
    assert "ok   restored /etc/linkding/data/db.sqlite3 to garage/0-db.sqlite3" in restored.stdout
    assert "FAIL garage/0-db.sqlite3: 'SELECT count(*) FROM auth_user' did not print" in (
        checked.stdout
    )


def test_the_cronjob_validates_and_builds(
    tmp_path: Path, schema_registry: SchemaRegistry, kubectl: str
) -> None:
    """(tests/test_out_tree.py validates every app of the example the same way.)"""
    root = copy_example(tmp_path)
    assert not errors(compile_tree(root))
    built = kustomize_build(root / "out" / IPAM.removesuffix("/backup"))
    assert validate_stream(built, schema_registry) == []
    kinds = {(d["kind"], d["metadata"]["name"]) for d in load_all(built)}
    assert ("CronJob", "python-ipam-litestream-verify") in kinds
    assert ("ConfigMap", "python-ipam-litestream-verify") in kinds
