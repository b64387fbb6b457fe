"""The VolSync objects against the closed upstream CRDs (VolSync v0.16.0) and kubectl kustomize.

The example's jellyfin (a bjw-s app-template HelmRelease, bootstrap on) and a plain
Deployment app (the acceptance case ``valid/volsync-deployment``) are compiled; every
ReplicationSource and ReplicationDestination validates against ``../shared/crds`` closed as
kubeconform does, and each app folder builds with ``kubectl kustomize`` to objects that
validate too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.core.yamlread import load_documents
from compiler.tools.volsync.names import SECRET_KEYS, restic_duration, volsync_cron
from tests.alerts.helpers import compile_root
from tests.conftest import REPO, crd_dir, require_tool
from tests.litestream.example import copy_example, edit_yaml
from tests.support.validation import kustomize_build, validate_stream
from tests.support.validation.schemas import SchemaRegistry
from tests.test_cases import CASES, materialise
from tests.tools.volsync.example import APP, CLAIM, example, objects, write_out

RESULT = example()
# One field of VolSync's schedule pattern, as the CRD means it (each field fully matched).
FIELD = re.compile(r"^((\d+,)*\d+|\d+[/-]\d+|\*(/\d+)?)$")


def crd_schedule_pattern() -> str:
    path = crd_dir() / "volsync.backube_replicationsources.yaml"
    if not path.is_file():
        require_tool(f"the upstream CRDs ({path})", False)
    crd = yaml.safe_load(path.read_text())
    spec = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    pattern: str = spec["properties"]["trigger"]["properties"]["schedule"]["pattern"]
    return pattern


def test_every_generated_volsync_object_validates(schema_registry: SchemaRegistry) -> None:
    found = objects(RESULT)
    assert set(found) == {"ReplicationSource", "ReplicationDestination"}
    for obj in found.values():
        assert schema_registry.validate_object(obj) == []


def test_the_source_carries_the_class_settings_and_the_pod_identity() -> None:
    source = objects(RESULT)["ReplicationSource"]
    spec = source["spec"]
    assert spec["sourcePVC"] == CLAIM
    restic = spec["restic"]
    assert restic["repository"] == "jellyfin-volsync"  # {app}-volsync, one Secret per app
    assert restic["copyMethod"] == "Snapshot"
    assert restic["volumeSnapshotClassName"] == "longhorn-snapshot"  # the storage's class
    assert restic["retain"] == {"hourly": 24, "daily": 7, "weekly": 4, "monthly": 6}
    assert restic["cacheCapacity"] == "2Gi"
    # app-template defaultPodOptions.securityContext of the HelmRelease, identity only
    assert restic["moverSecurityContext"] == {"runAsUser": 568, "runAsGroup": 568, "fsGroup": 568}
    repository = source["metadata"]["annotations"]["backup-policy.io/restic-repository"]
    assert repository == "s3:http://nas.home.arpa:9000/restic/volsync/media/jellyfin-config"


def test_the_restore_is_manual_and_sized_like_the_pvc() -> None:
    destination = objects(RESULT)["ReplicationDestination"]
    assert destination["spec"]["trigger"] == {"manual": "restore-once"}
    restic = destination["spec"]["restic"]
    assert restic["copyMethod"] == "Snapshot"  # the volume populator needs a snapshot
    assert (restic["capacity"], restic["accessModes"]) == ("10Gi", ["ReadWriteOnce"])
    assert restic["storageClassName"] == "longhorn"
    assert (
        restic["repository"] == objects(RESULT)["ReplicationSource"]["spec"]["restic"]["repository"]
    )


def test_schedules_are_in_the_form_the_crd_means() -> None:
    pattern = crd_schedule_pattern()
    schedule = objects(RESULT)["ReplicationSource"]["spec"]["trigger"]["schedule"]
    assert re.search(pattern, schedule)
    assert all(FIELD.match(field) for field in schedule.split(" "))


@pytest.mark.parametrize(
    "resolved, written",
    [
        ("7-59/30 * * * *", "7,37 * * * *"),  # H/30: a-b/s is not a field VolSync means
        ("17 3 * * *", "17 3 * * *"),
        ("0 */6 * * *", "0 */6 * * *"),
        ("5 1-3,5 * * 1-5", "5 1,2,3,5 * * 1-5"),
        ("@daily", "0 0 * * *"),
    ],
)
def test_volsync_cron(resolved: str, written: str) -> None:
    pattern = crd_schedule_pattern()
    assert volsync_cron(resolved) == written
    assert re.search(pattern, written)


@pytest.mark.parametrize(
    "seconds, restic", [(14 * 86400, "14d"), (36 * 3600, "1d12h"), (3600, "1h"), (86400, "1d")]
)
def test_restic_duration(seconds: int, restic: str) -> None:
    assert restic_duration(seconds) == restic


def _built(folder: Path, schema_registry: SchemaRegistry) -> list[dict[str, Any]]:
    text = kustomize_build(folder)
    assert validate_stream(text, schema_registry) == []
    return [d for d in load_documents(text) if isinstance(d, dict)]


def test_the_example_app_builds_with_its_bootstrap_pvc(
    kubectl: str, schema_registry: SchemaRegistry
) -> None:
    built = _built(REPO / "out" / APP / "app", schema_registry)
    kinds = {(d["kind"], d["metadata"]["name"]) for d in built}
    assert ("ReplicationSource", f"bp-{CLAIM}") in kinds
    assert ("ReplicationDestination", f"bp-{CLAIM}-restore") in kinds
    pvc = next(d for d in built if d["kind"] == "PersistentVolumeClaim")
    assert pvc["spec"]["dataSourceRef"] == {
        "apiGroup": "volsync.backube",
        "kind": "ReplicationDestination",
        "name": f"bp-{CLAIM}-restore",
    }
    # Flux creates it once: a bound PVC's dataSourceRef cannot change
    assert pvc["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/ssa"] == "IfNotPresent"
    assert pvc["spec"]["resources"]["requests"]["storage"] == "10Gi"  # the app's own PVC
    assert all(d["metadata"].get("namespace") == "media" for d in built)


def test_a_plain_deployment_app_builds(
    tmp_path: Path, kubectl: str, schema_registry: SchemaRegistry
) -> None:
    root = materialise(CASES / "valid" / "volsync-deployment", tmp_path)
    result = compile_root(root)
    assert not [d for d in result.diagnostics.sorted() if d.level == "error"]
    from_case = objects(result, "kubernetes/apps/apps/web/backup/volsync-web-data.yaml")
    identity = from_case["ReplicationSource"]["spec"]["restic"]["moverSecurityContext"]
    assert identity == {"runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 1000}
    write_out(result, root / "out")
    built = _built(root / "out/kubernetes/apps/apps/web", schema_registry)
    pvc = next(d for d in built if d["kind"] == "PersistentVolumeClaim")
    assert pvc["spec"]["dataSourceRef"]["name"] == "bp-web-data-restore"


def test_the_secret_keys_are_the_ones_the_mover_reads() -> None:
    """RESTIC_REPOSITORY and RESTIC_PASSWORD are required (validateRepository), the AWS pair
    is what an S3 repository needs; nothing generated holds a value for any of them."""
    assert SECRET_KEYS == (
        "RESTIC_REPOSITORY",
        "RESTIC_PASSWORD",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    )
    generated = "".join((RESULT.outputs or {}).values())
    assert "kind: Secret" not in generated


def test_every_class_setting_reaches_the_source(
    tmp_path: Path, schema_registry: SchemaRegistry
) -> None:
    root = copy_example(tmp_path)

    def change(data: dict[str, Any]) -> None:
        block = data["spec"]["classes"]["important"]["volsync"]
        block["copyMethod"] = "Direct"
        block["retain"] = {"daily": 7, "yearly": 2, "within": "36h"}
        block["pruneIntervalDays"] = 14
        block["cacheStorageClassName"] = "openebs-hostpath"
        block["repositorySecret"] = "{namespace}-{claim}-restic"

    edit_yaml(root / "policies" / "cluster.yaml", change)
    found = objects(compile_root(root))
    restic = found["ReplicationSource"]["spec"]["restic"]
    assert restic["copyMethod"] == "Direct"
    assert "volumeSnapshotClassName" not in restic  # only a Snapshot uses one
    assert restic["retain"] == {"daily": 7, "yearly": 2, "within": "1d12h"}  # restic's units
    assert (restic["pruneIntervalDays"], restic["cacheStorageClassName"]) == (
        14,
        "openebs-hostpath",
    )
    assert restic["repository"] == "media-jellyfin-config-restic"
    # the restore still snapshots: the volume populator needs a VolumeSnapshot
    assert found["ReplicationDestination"]["spec"]["restic"]["copyMethod"] == "Snapshot"
    for obj in found.values():
        assert schema_registry.validate_object(obj) == []
