"""The Litestream containers under their generated securityContext, with the real binaries.

Kubernetes gives a container with ``readOnlyRootFilesystem: true`` a read-only root and its
volumes writable; ``runAsUser``/``runAsGroup`` its user, ``capabilities: {drop: [ALL]}`` no
capability and ``allowPrivilegeEscalation: false`` the no_new_privs bit. Here the same is
done to the real binary on this machine: a private mount namespace in which ``/`` is
remounted read-only and only the database's folder stays writable (``unshare``), then
``setpriv`` to the generated user and group with every capability dropped and no_new_privs.
The sidecar's ``replicate`` and the init container's ``restore`` must work like that: every
file Litestream writes is beside the database, none in the image (``/tmp`` included).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
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
  mount --bind "$BP_VOLUME" "$BP_VOLUME" && mount -o remount,bind,ro / &&
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
    return litestream_apps(result.outputs)


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
    folder = Path(tempfile.mkdtemp(prefix="bp-hardened-", dir="/tmp"))
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
