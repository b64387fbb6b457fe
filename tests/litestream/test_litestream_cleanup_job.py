"""The generated cleanup CronJob's environment contract, run for real (SPEC §4, §9.2).

The script comes from the generated ConfigMap (after Flux substitution) and runs with the
CronJob's own env (only the endpoint, the Secret values and the bucket are filled in: the
generated bucket becomes a fresh bucket of the session's SeaweedFS) against generations made by
the real litestream 0.3 binary with the generated paperless config. The newest generation
survives, an expired older one goes, the undeclared prefix is reported and untouched, and a
restore still returns every row.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from compiler.core.emit import dump
from compiler.tools.litestream.cleanup import CLEANUP_DIR
from tests.conftest import require_tool
from tests.litestream.binaries import require_litestream
from tests.litestream.example import (
    REPO,
    compile_tree,
    flux_substitute,
    litestream_apps,
    load_all,
)
from tests.litestream.local import (
    bucket_generations,
    credentials_env,
    localise,
    new_generation,
    pod_env,
    rows,
    run,
    write_rows,
)
from tests.support.fixtures import BucketFactory
from tests.support.litestream import Replicator
from tests.support.s3server import SeaweedS3, go_env

pytestmark = pytest.mark.integration

PAPERLESS = "kubernetes/apps/productivity/paperless"


def job_env(outputs: dict[str, str], s3: SeaweedS3, buckets: dict[str, str]) -> dict[str, str]:
    """The garage CronJob's env as the pod gets it, pointed at the local server, with its
    generated bucket replaced by the local one (``buckets``: generated -> local name)."""
    job = load_all(outputs[f"{CLEANUP_DIR}/cleanup-garage.yaml"])[0]
    container = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    env = pod_env(container, s3)
    env["RCLONE_CONFIG_S3_ENDPOINT"] = s3.endpoint
    assert env["BUCKET"] in buckets, f"the job cleans {env['BUCKET']}, not {sorted(buckets)}"
    env["BUCKET"] = buckets[env["BUCKET"]]
    return env


def test_generated_cleanup_job_keeps_newest_and_reports_undeclared(
    s3_server: SeaweedS3, s3_buckets: BucketFactory, tmp_path: Path
) -> None:
    require_tool("rclone", shutil.which("rclone") is not None)
    binary = require_litestream("0.3")
    result = compile_tree(REPO)
    assert result.outputs is not None
    app = litestream_apps(result)[PAPERLESS]
    config: dict[str, Any] = localise(app, s3_buckets, tmp_path / "volume")
    (tmp_path / "volume").mkdir()
    path = tmp_path / "litestream.yml"
    path.write_text(dump(config))
    env = credentials_env(app, s3_server)
    db = Path(config["dbs"][0]["path"])
    bucket, prefix = config["dbs"][0]["replicas"][0]["bucket"], "productivity/paperless/db.sqlite3"
    generated_bucket = app.config["dbs"][0]["replicas"][0]["bucket"]
    assert generated_bucket == "k8up"
    buckets = {generated_bucket: bucket}
    assert s3_server.list_objects(bucket) == []

    log = path.with_suffix(".log")
    replicator = Replicator(path, env=env, binary=binary, log_path=log)
    old = new_generation(s3_server, bucket, prefix, replicator, db, 1)
    write_rows(db, 21, 20)  # written while litestream is stopped: the next start begins anew
    time.sleep(2.5)
    new = new_generation(s3_server, bucket, prefix, replicator, db, 41)
    assert bucket_generations(s3_server, bucket, prefix) == {old, new}
    orphan = tmp_path / "orphan.txt"
    orphan.write_text("an app no policy declares any more\n")
    rclone_env = go_env(job_env(result.outputs, s3_server, buckets))
    subprocess.run(
        ["rclone", "copyto", str(orphan), f"s3:{bucket}/old-app/db/x"],
        env=rclone_env,
        check=True,
        capture_output=True,
        timeout=60,
    )

    script = tmp_path / "cleanup.sh"
    shipped = load_all(result.outputs[f"{CLEANUP_DIR}/cleanup-script.yaml"])[0]
    script.write_text(flux_substitute(shipped["data"]["cleanup.sh"]))
    cleanup_env = {
        **job_env(result.outputs, s3_server, buckets),
        "RETENTION_SECONDS": "2",
        "HOME": str(tmp_path),
    }
    done = subprocess.run(
        ["/bin/sh", str(script)],
        env=go_env(cleanup_env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # the other declared databases have no replica here: the job fails (its
    # CronJob alert fires) after cleaning up the other paths
    assert done.returncode == 1, done.stdout + done.stderr
    assert "declared path(s) without any generation" in done.stderr
    assert f"keep newest path={prefix}" in done.stdout
    assert f"delete expired path={prefix}" in done.stdout
    assert "report undeclared path=old-app" in done.stdout
    assert "error no generations path=network/python-ipam/ipam.db" in done.stdout
    assert bucket_generations(s3_server, bucket, prefix) == {new}
    assert [o.key for o in s3_server.list_objects(bucket, "old-app/")] == ["old-app/db/x"]

    restored = tmp_path / "restored.db"
    run(binary, ["restore", "-config", str(path), "-o", str(restored), str(db)], env)
    assert rows(restored) == rows(db) and len(rows(db)) == 60
