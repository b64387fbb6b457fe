"""The sidecar's writable ``/tmp`` under a read-only root file system.

Litestream 0.3's replica validation (``validation-interval``) restores the replica into
``ioutil.TempDir("", ...)`` (replica.go of v0.3.13, ``Replica.Validate``): ``$TMPDIR``, else
``/tmp``. With ``readOnlyRootFilesystem: true`` that fails, and the failure is only logged, so
``LitestreamValidationFailed`` could never fire. The sidecar gets an emptyDir there, on the
Deployment patch and the HelmRelease post-renderer alike; the restore init containers write
beside the database only. ``test_litestream_hardened.py`` runs the real binary both ways.
"""

from __future__ import annotations

from typing import Any

import pytest

from compiler.pipeline.build import BuildResult
from compiler.tools.litestream.container import ContainerResources
from compiler.tools.litestream.inject import containers, volumes
from compiler.tools.litestream.resolve import (
    Credentials,
    Database,
    Replica,
    ServiceLitestream,
    Timing,
)
from compiler.tools.litestream.runtime import Runtime
from tests.litestream.example import REPO, compile_tree, errors, litestream_apps, load_all

APPS = "kubernetes/apps"
TMP = {"name": "litestream-tmp", "mountPath": "/tmp"}
EMPTY_DIR = {"name": "litestream-tmp", "emptyDir": {}}
PATHS = {"network/python-ipam": "Deployment", "productivity/paperless": "HelmRelease"}


@pytest.fixture(scope="module")
def built() -> BuildResult:
    result = compile_tree(REPO)
    assert result.outputs is not None and not errors(result), errors(result)
    return result


@pytest.fixture(scope="module")
def outputs(built: BuildResult) -> dict[str, str]:
    assert built.outputs is not None
    return built.outputs


@pytest.mark.parametrize("app", sorted(PATHS), ids=lambda a: PATHS[a])
def test_the_sidecar_gets_a_tmp_emptydir_on_both_injection_paths(
    built: BuildResult, outputs: dict[str, str], app: str
) -> None:
    patch = load_all(outputs[f"{APPS}/{app}/backup/patches/litestream.yaml"])[0]
    assert patch["kind"] == PATHS[app]
    pod = litestream_apps(built)[f"{APPS}/{app}"].pod_patch["spec"]["template"]["spec"]
    assert EMPTY_DIR in pod["volumes"]
    (sidecar,) = pod["containers"]
    assert sidecar["securityContext"]["readOnlyRootFilesystem"] is True
    assert sidecar["volumeMounts"][-1] == TMP
    for init in pod["initContainers"]:
        assert TMP not in init["volumeMounts"]


def _service(mount_path: str) -> ServiceLitestream:
    creds = Credentials("garage-s3", "access-key-id", "secret-access-key")
    replica = Replica("garage", "litestream", "apps/x/db", "http://garage:3900", "garage", creds)
    database = Database(0, f"{mount_path}/db.sqlite3", "scratch", mount_path, (replica,))
    return ServiceLitestream(
        "apps/x",
        "x",
        "apps",
        "0.3",
        (database,),
        Timing(10, 3600, 3600, 3600),
        9090,
        ContainerResources.model_validate({}),
    )


@pytest.mark.parametrize(("mount_path", "added"), [("/tmp", False), ("/tmp/x", True)])
def test_no_second_mount_where_a_database_volume_is_at_tmp(mount_path: str, added: bool) -> None:
    """A database volume at /tmp is writable already, and two mounts at one path are
    refused by the API server; one below /tmp nests in the emptyDir."""
    spec = _service(mount_path)
    _, (sidecar,) = containers(spec, Runtime("litestream/litestream:0.3.13", 600))
    mounts: list[dict[str, Any]] = sidecar["volumeMounts"]
    assert (TMP in mounts) is added
    assert (EMPTY_DIR in volumes(spec)) is added
    paths = [m["mountPath"] for m in mounts]
    assert len(paths) == len(set(paths))
