"""The Litestream containers under their generated securityContext, with the real binaries.

Kubernetes gives a container with ``readOnlyRootFilesystem: true`` a read-only root and its
volumes writable; ``runAsUser``/``runAsGroup`` its user, ``capabilities: {drop: [ALL]}`` no
capability and ``allowPrivilegeEscalation: false`` the no_new_privs bit. Here the same is
done to the real binary on this machine: a private mount namespace in which ``/`` is
remounted read-only and only the database's folder stays writable (``unshare``), then
``setpriv`` to the generated user and group with every capability dropped and no_new_privs.
The sidecar's ``replicate`` and the init container's ``restore`` must work like that: every
file they write is beside the database, but for 0.3's replica validation, which restores into
``/tmp``: the sidecar's emptyDir there is bind-mounted over ``/tmp`` (``$BP_TMP``), and without
it the validation fails and is only logged, never counted (no ``status="error"``, no alert).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from compiler.core.emit import dump
from tests.conftest import require_tool
from tests.litestream.binaries import require_litestream
from tests.litestream.example import (
    AppLitestream,
    compile_tree,
    copy_example,
    edit_yaml,
    errors,
    litestream_apps,
)
from tests.litestream.local import (
    credentials_env,
    localise,
    metrics,
    replicas,
    rows,
    run,
    wait_for_objects,
    write_rows,
)
from tests.support.fixtures import BucketFactory
from tests.support.litestream import Replicator
from tests.support.s3server import SeaweedS3

pytestmark = pytest.mark.integration

APP = "kubernetes/apps/network/python-ipam"
V05_APP = "kubernetes/apps/productivity/paperless"
USER = {"runAsUser": 1000, "runAsGroup": 1000, "runAsNonRoot": True}
WRAPPER = """#!/bin/sh
exec unshare --mount --propagation private sh -c '
  mount --bind "$BP_VOLUME" "$BP_VOLUME" && { [ -z "$BP_TMP" ] || mount --bind "$BP_TMP" /tmp; } &&
  mount -o remount,bind,ro / &&
  exec setpriv --reuid="$BP_UID" --regid="$BP_GID" --clear-groups --no-new-privs \\
    --inh-caps=-all --bounding-set=-all "$0" "$@"' "$BP_PROGRAM" "$@"
"""


def _hardened(data: Any) -> None:
    data["spec"]["litestream"]["securityContext"] = USER


def _paperless_on_05(data: Any) -> None:
    data["spec"].insert(
        len(data["spec"]) - 1, "litestream", {"version": "0.5", "acknowledgeMigration": True}
    )


@pytest.fixture(scope="module")
def hardened_apps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, AppLitestream]:
    """The example with the apps' user named cluster-wide (non-root), and paperless (one
    target) moved to Litestream 0.5."""
    root = copy_example(tmp_path_factory.mktemp("hardened"))
    edit_yaml(root / "policies/cluster.yaml", _hardened)
    edit_yaml(root / "policies/services/paperless.yaml", _paperless_on_05)
    result = compile_tree(root)
    assert result.outputs is not None and not errors(result), errors(result)
    return litestream_apps(result)


def _security(app: AppLitestream) -> dict[str, Any]:
    sidecar: dict[str, Any] = app.container("litestream")["securityContext"]
    init = app.pod_patch["spec"]["template"]["spec"]["initContainers"]
    assert all(c["securityContext"] == sidecar for c in init), "the init container: the same"
    return sidecar


def _real(binary: str) -> str:
    """The ELF binary (a pyenv shim lives under /root, which the container user cannot read)."""
    if Path(binary).read_bytes()[:2] != b"#!":
        return binary
    found = Path(sys.executable).parent / "litestream"
    require_tool("litestream binary beside the interpreter", found.is_file())
    return str(found)


@pytest.fixture
def sandbox() -> Iterator[Path]:
    require_tool("unshare and setpriv", bool(shutil.which("unshare") and shutil.which("setpriv")))
    require_tool("root, to make a mount namespace (unshare --mount)", os.geteuid() == 0)
    # not under /tmp, so that the sidecar's emptyDir can be mounted over /tmp
    require_tool("/var/tmp", Path("/var/tmp").is_dir())
    folder = Path(tempfile.mkdtemp(prefix="bp-hardened-", dir="/var/tmp"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _confine(folder: Path, binary: str, security: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """(a wrapper running ``binary`` the way the container runs, its environment)."""
    volume = folder / "volume"
    volume.mkdir()
    os.chown(volume, security["runAsUser"], security["runAsGroup"])
    program = folder / "litestream"
    shutil.copyfile(_real(binary), program)
    program.chmod(0o755)
    wrapper = folder / "confined"
    wrapper.write_text(WRAPPER)
    wrapper.chmod(0o755)
    env = {
        "BP_VOLUME": str(volume),
        "BP_UID": str(security["runAsUser"]),
        "BP_GID": str(security["runAsGroup"]),
        "BP_PROGRAM": str(program),
    }
    return str(wrapper), env


def test_the_sandbox_is_read_only_but_the_volume(
    sandbox: Path, hardened_apps: dict[str, AppLitestream]
) -> None:
    security = _security(hardened_apps[APP])
    _, env = _confine(sandbox, "/bin/sh", security)
    env["BP_PROGRAM"] = "/bin/sh"
    wrapper = str(sandbox / "confined")
    volume = Path(env["BP_VOLUME"])
    run(wrapper, ["-c", f"touch {volume}/probe && test $(id -u) = {security['runAsUser']}"], env)
    assert (volume / "probe").stat().st_uid == security["runAsUser"]
    for outside in ("/tmp/bp-probe", f"{sandbox}/probe"):
        done = subprocess.run(
            [wrapper, "-c", f"touch {outside}"], env=env, capture_output=True, check=False
        )
        assert done.returncode != 0 and not Path(outside).exists()
        assert b"Read-only file system" in done.stderr
    empty_dir = _empty_dir(sandbox)
    run(wrapper, ["-c", "touch /tmp/bp-probe"], {**env, "BP_TMP": str(empty_dir)})
    assert (empty_dir / "bp-probe").stat().st_uid == security["runAsUser"]


@pytest.mark.parametrize("version", ["0.3", "0.5"])
def test_replicate_and_restore_under_the_generated_security_context(
    version: str,
    sandbox: Path,
    s3_server: SeaweedS3,
    s3_buckets: BucketFactory,
    hardened_apps: dict[str, AppLitestream],
) -> None:
    app = hardened_apps[APP if version == "0.3" else V05_APP]
    assert app.version == version
    security = _security(app)
    assert security == {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "readOnlyRootFilesystem": True,
        "runAsGroup": 1000,
        "runAsNonRoot": True,
        "runAsUser": 1000,
    }
    wrapper, env = _confine(sandbox, require_litestream(version), security)
    volume = Path(env["BP_VOLUME"])
    config = localise(app, s3_buckets, volume)
    path = sandbox / "litestream.yml"
    path.write_text(dump(config))
    path.chmod(0o644)
    env = {**credentials_env(app, s3_server), **env}
    db = Path(config["dbs"][0]["path"])
    write_rows(db, 1, 50)
    for written in volume.glob(db.name + "*"):
        os.chown(written, security["runAsUser"], security["runAsGroup"])
    with Replicator(path, env=env, binary=wrapper, log_path=sandbox / "replicate.log"):
        for replica in replicas(config["dbs"][0]):
            wait_for_objects(s3_server, replica["bucket"], replica["path"])
        write_rows(db, 51, 50)
    expected = rows(db)
    assert len(expected) == 100
    _restore_on_an_empty_volume(app, wrapper, env, path, db)
    assert rows(db) == expected
    assert db.stat().st_uid == security["runAsUser"]


def _restore_on_an_empty_volume(
    app: AppLitestream, wrapper: str, env: dict[str, str], config: Path, db: Path
) -> None:
    """The init container's exact restore arguments, after the volume lost the database."""
    for leftover in db.parent.glob(db.name + "*"):
        leftover.unlink()
    shutil.rmtree(db.parent / f".{db.name}-litestream", ignore_errors=True)
    init = app.pod_patch["spec"]["template"]["spec"]["initContainers"][0]
    args = [str(config) if a == "/etc/litestream.yml" else a for a in init["args"][:-1]]
    run(wrapper, [*args, str(db)], env)


def _empty_dir(sandbox: Path) -> Path:
    """A stand-in for the sidecar's emptyDir (the kubelet makes it mode 0777)."""
    folder = sandbox / "empty-dir"
    folder.mkdir()
    folder.chmod(0o777)
    return folder


VALIDATIONS = re.compile(
    r'^litestream_replica_validation_total\{[^}]*name="([^"]+)"[^}]*status="(ok|error)"\} (\S+)$',
    re.MULTILINE,
)


def _validations(addr: str) -> dict[tuple[str, str], float]:
    """(replica, status) -> litestream_replica_validation_total, as the PodMonitor scrapes it."""
    return {(n, s): float(v) for n, s, v in VALIDATIONS.findall(metrics(addr))}


@pytest.mark.parametrize("mounted", [False, True], ids=["read-only-tmp", "tmp-emptydir"])
def test_validation_needs_the_sidecars_tmp_emptydir(
    mounted: bool,
    sandbox: Path,
    s3_server: SeaweedS3,
    s3_buckets: BucketFactory,
    hardened_apps: dict[str, AppLitestream],
) -> None:
    """0.3 ``replicate`` with the generated config (validation and sync every second, the
    cluster says 24h and 10s) under the read-only root: with ``/tmp`` read-only every
    validation fails before it compares anything, and neither ``ok`` nor ``error`` is
    counted; with the generated emptyDir at ``/tmp`` each replica validates ``ok``."""
    app = hardened_apps[APP]
    pod = app.pod_patch["spec"]["template"]["spec"]
    assert {"name": "litestream-tmp", "emptyDir": {}} in pod["volumes"]
    assert {"name": "litestream-tmp", "mountPath": "/tmp"} in app.container("litestream")[
        "volumeMounts"
    ]
    security = _security(app)
    wrapper, env = _confine(sandbox, require_litestream("0.3"), security)
    if mounted:
        env["BP_TMP"] = str(_empty_dir(sandbox))
    volume = Path(env["BP_VOLUME"])
    config = localise(app, s3_buckets, volume)
    names = [r["name"] for db in config["dbs"] for r in replicas(db)]
    for replica in (r for db in config["dbs"] for r in replicas(db)):
        assert "validation-interval" in replica, "the example's cluster policy validates daily"
        replica["validation-interval"] = replica["sync-interval"] = "1s"
    path = sandbox / "litestream.yml"
    path.write_text(dump(config))
    path.chmod(0o644)
    env = {**credentials_env(app, s3_server), **env}
    env.pop("TMPDIR", None)  # the image sets none: Go's os.TempDir() is /tmp
    db = Path(config["dbs"][0]["path"])
    write_rows(db, 1, 50)
    for written in volume.glob(db.name + "*"):
        os.chown(written, security["runAsUser"], security["runAsGroup"])
    log = sandbox / "replicate.log"
    with Replicator(path, env=env, binary=wrapper, log_path=log):
        deadline = time.monotonic() + 15
        while True:
            counts = _validations(config["addr"])
            text = log.read_text(errors="replace")
            if mounted and all(counts.get((n, "ok"), 0) >= 1 for n in names):
                break
            if not mounted and text.count("validation error") >= len(names):
                break
            assert time.monotonic() < deadline, f"{counts}\n{text}"
            time.sleep(0.2)
        counts = _validations(config["addr"])  # after the failures were logged
    if mounted:
        assert "validation error" not in text
        assert all(counts[(n, "error")] == 0 for n in names)
    else:
        failed = [line for line in text.splitlines() if "validation error" in line]
        assert all("read-only file system" in line for line in failed), failed
        assert all(counts[(n, s)] == 0 for n in names for s in ("ok", "error")), counts
