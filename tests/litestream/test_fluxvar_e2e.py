"""Flux variables in an s3 target (rule BP305), end to end with the real binaries.

The acceptance case ``flux-variable-target`` (garage's endpoint, bucket and region are
``${S3_ENDPOINT:=...}``, ``${S3_BUCKET}``, ``${S3_REGION:=garage}``) is compiled, and every
generated object is put through Flux's post-build substitution (:func:`post_build`, the rules
of fluxcd/pkg envsubst) with the variables pointing at the session's SeaweedFS and a fresh
bucket. Nothing else is edited but what the pod decides (the database path, the metrics
address) and the Secret values. Then:

- Litestream 0.5 replicates a database with the substituted config and restores it: the rows
  are equal;
- the Litestream 0.3 cleanup CronJob's script and env (rclone remote, bucket from the
  variables, retention from the policy) keep the newest generation made by the real 0.3
  binary and delete the expired one; a restore still returns every row.

:func:`post_build` refuses a ``${...}`` that Flux would blank or evaluate (an unescaped shell
or Litestream variable) and a ``$$`` that Flux would halve, so a broken escape fails here.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.config import RunConfig
from compiler.core.emit import dump
from compiler.pipeline.build import build
from compiler.tools.litestream.cleanup import CLEANUP_DIR
from tests.conftest import require_tool
from tests.litestream.binaries import require_litestream
from tests.litestream.local import (
    bucket_generations,
    new_generation,
    pod_env,
    rows,
    run,
    wait_for_objects,
    write_rows,
)
from tests.support.litestream import Replicator
from tests.support.s3server import S3Bucket, SeaweedS3, go_env
from tests.test_cases import CASES, materialise

pytestmark = pytest.mark.integration

BACKUP = "kubernetes/apps/apps/web/backup/"
PREFIX = "apps/web/db.sqlite3"
# Fast timings, set in the policy (what users can set too): a sync a second, and a cleanup
# retention short enough for a generation made a few seconds ago to expire.
LITESTREAM = "  litestream:\n    targets: [garage]\n"
FAST = LITESTREAM + '    syncInterval: "1s"\n    cleanup: {retention: "1s"}\n'

_FLUX = re.compile(r"\$\$|\$\{([^}]*)\}")
_PLAIN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[=-])(.*))?$", re.DOTALL)


def post_build(text: str, variables: Mapping[str, str]) -> str:
    """``text`` after Flux's post-build substitution with ``variables``.

    fluxcd/pkg envsubst turns ``$$`` into ``$`` (so ``$${VAR}`` stays ``${VAR}`` for run
    time) and replaces ``${VAR}``, ``${VAR:=default}``, ``${VAR:-default}``; an unset
    variable becomes empty. Here an unset one without a default, any other ``${...}``
    function and a ``$$`` not before ``{`` fail instead: each is a generated text that Flux
    would change behind the user's back.
    """

    def one(found: re.Match[str]) -> str:
        if found.group(0) == "$$":
            assert text[found.end() : found.end() + 1] == "{", f"Flux halves $$ in {text!r}"
            return "$"
        plain = _PLAIN.match(found.group(1))
        assert plain is not None, f"Flux would evaluate {found.group(0)}"
        name, operator, default = plain.groups()
        value = variables.get(name)
        if operator is None:
            assert value is not None, f"Flux would blank {found.group(0)}"
            return value
        if value is None or (value == "" and operator.startswith(":")):
            return str(default)
        return value

    return _FLUX.sub(one, text)


def _substituted(value: Any, variables: Mapping[str, str]) -> Any:
    """An object after Flux: every string of it substituted."""
    if isinstance(value, str):
        return post_build(value, variables)
    if isinstance(value, list):
        return [_substituted(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: _substituted(v, variables) for k, v in value.items()}
    return value


def _variables(bucket: S3Bucket) -> dict[str, str]:
    """The Kustomization's postBuild.substitute: an empty region takes the := default."""
    return {"S3_ENDPOINT": bucket.endpoint, "S3_BUCKET": bucket.name, "S3_REGION": ""}


def _compiled(tmp: Path, bucket: S3Bucket, version: str) -> dict[str, list[Any]]:
    """Path -> the generated objects after Flux, for the case with web on ``version``."""
    root = materialise(CASES / "valid" / "flux-variable-target", tmp)
    cluster = root / "policies" / "cluster.yaml"
    assert LITESTREAM in cluster.read_text()
    cluster.write_text(cluster.read_text().replace(LITESTREAM, FAST))
    web = root / "policies" / "services" / "web.yaml"
    own = f'  litestream:\n    version: "{version}"\n  restoreTests:'
    web.write_text(web.read_text().replace("  restoreTests:", own))
    result = build(RunConfig(policies=root / "policies", output=root / "out"))
    assert not [d for d in result.diagnostics.sorted() if d.level == "error"]
    assert result.outputs is not None
    # every generated object goes through Flux, so any of them with a bad escape fails here
    return {
        path: _substituted(list(yaml.safe_load_all(text)), _variables(bucket))
        for path, text in result.outputs.items()
        if path.endswith(".yaml")
    }


def _container_env(container: dict[str, Any], s3: SeaweedS3) -> dict[str, str]:
    return go_env(pod_env(container, s3))


def _litestream(
    objects: dict[str, list[Any]], tmp: Path, s3: SeaweedS3
) -> tuple[Path, dict[str, str]]:
    """The substituted litestream.yml on a local volume, and the sidecar's env."""
    config = yaml.safe_load(objects[BACKUP + "litestream-config.yaml"][0]["data"]["litestream.yml"])
    config["dbs"][0]["path"] = str(tmp / "db.sqlite3")
    config["addr"] = "127.0.0.1:0"
    path = tmp / "litestream.yml"
    path.write_text(dump(config))
    pod = objects[BACKUP + "patches/litestream.yaml"][0]["spec"]["template"]["spec"]
    (sidecar,) = [c for c in pod["containers"] if c["name"] == "litestream"]
    return path, _container_env(sidecar, s3)


def _restored(binary: str, config: Path, env: dict[str, str], db: Path) -> list[Any]:
    out = config.parent / "restored.db"
    run(binary, ["restore", "-config", str(config), "-o", str(out), str(db)], env)
    return rows(out)


def test_litestream_05_replicates_and_restores_through_flux_variables(
    s3_server: SeaweedS3, s3_bucket: S3Bucket, tmp_path: Path
) -> None:
    binary = require_litestream("0.5")
    objects = _compiled(tmp_path / "policy", s3_bucket, "0.5")
    config, env = _litestream(objects, tmp_path, s3_server)
    replica = yaml.safe_load(config.read_text())["dbs"][0]["replica"]
    assert (replica["endpoint"], replica["bucket"]) == (s3_server.endpoint, s3_bucket.name)
    assert replica["region"] == "garage" and replica["path"] == PREFIX
    db = tmp_path / "db.sqlite3"
    with Replicator(config, env=env, binary=binary):
        write_rows(db, 1, 50)
        wait_for_objects(s3_server, s3_bucket.name, PREFIX)
        write_rows(db, 51, 50)
    assert len(rows(db)) == 100
    assert _restored(binary, config, env, db) == rows(db)


def _cleanup(
    objects: dict[str, list[Any]], s3: SeaweedS3, home: Path
) -> subprocess.CompletedProcess[str]:
    """The CronJob's container as the pod runs it: its script from the ConfigMap, its env."""
    job = objects[f"{CLEANUP_DIR}/cleanup-garage.yaml"][0]["spec"]["jobTemplate"]["spec"]
    (container,) = job["template"]["spec"]["containers"]
    env = _container_env(container, s3)
    assert env["RCLONE_CONFIG_S3_ENDPOINT"] == s3.endpoint
    assert env["RETENTION_SECONDS"] == "1" and env["DECLARED_PATHS"] == PREFIX
    script = home / "cleanup.sh"
    shipped = objects[f"{CLEANUP_DIR}/cleanup-script.yaml"][0]["data"]["cleanup.sh"]
    script.write_text(shipped)
    return subprocess.run(
        ["/bin/sh", str(script)],
        env={**env, "HOME": str(home)},  # the pod's HOME (/tmp) is its emptyDir
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cleanup_job_keeps_the_newest_generation_through_flux_variables(
    s3_server: SeaweedS3, s3_bucket: S3Bucket, tmp_path: Path
) -> None:
    require_tool("rclone", shutil.which("rclone") is not None)
    binary = require_litestream("0.3")
    objects = _compiled(tmp_path / "policy", s3_bucket, "0.3")
    config, env = _litestream(objects, tmp_path, s3_server)
    replicator = Replicator(config, env=env, binary=binary)
    db = config.parent / "db.sqlite3"
    old = new_generation(s3_server, s3_bucket.name, PREFIX, replicator, db, 1)
    stopped = time.monotonic()
    write_rows(tmp_path / "db.sqlite3", 21, 20)  # while stopped: the next start begins anew
    new = new_generation(s3_server, s3_bucket.name, PREFIX, replicator, db, 41)
    assert bucket_generations(s3_server, s3_bucket.name, PREFIX) == {old, new}

    # the old generation's last object is more than its retention (1s) old in whole
    # seconds, as the script counts (server times are whole seconds)
    time.sleep(max(0.0, 2.2 - (time.monotonic() - stopped)))
    done = _cleanup(objects, s3_server, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"keep newest path={PREFIX} generation={new}" in done.stdout
    assert f"delete expired path={PREFIX} generation={old}" in done.stdout
    assert bucket_generations(s3_server, s3_bucket.name, PREFIX) == {new}
    db = tmp_path / "db.sqlite3"
    assert len(rows(db)) == 60
    assert _restored(binary, config, env, db) == rows(db)
