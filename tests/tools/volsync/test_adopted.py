"""Drills and disaster-recovery steps of adopted ReplicationSources (``volsync.existing``):
they restore from the tree's own ReplicationSource (its name, its repository Secret, the
size, class, access modes, copyMethod and snapshot class it states after Flux substitution)
and say what the tree leaves unknown; every manifest validates against the closed CRDs.

A small tree with a hand-written source (tests/cases/valid/volsync-existing-source plus a
restore plan), and the tyriis tree (copied to tmp_path, imported) whose shared
``components/volsync`` fills ``${APP}`` and ``${VOLSYNC_CAPACITY:=5Gi}`` per app.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import yaml

from compiler.config import RunConfig
from compiler.pipeline.drill import DrillResult, drill
from tests.drill.helpers import DAY, load_all, merged, objects, run_drill
from tests.importer.helpers import realworld_copy, run_import
from tests.support.validation.schemas import SchemaRegistry

CASE = Path(__file__).resolve().parents[2] / "cases/valid/volsync-existing-source"
APP = "out/kubernetes/apps/apps/web"
PLAN = {
    "apiVersion": "backup-policy/v1alpha1",
    "kind": "RestoreTestPlan",
    "metadata": {"name": "adopted"},
    "spec": {
        "tests": [
            {
                "id": test_id,
                "title": "Restore the adopted PVC",
                "type": kind,
                "scope": {"services": [service]},
                "frequency": "quarterly",
                "responsible": "ops",
            }
            for test_id, kind, service in (
                ("BT-VS-01", "volsync", "apps/web"),
                ("BT-DR-01", "full-dr", "apps/web"),
                ("BT-VS-02", "volsync", "ai/open-webui"),
                ("BT-DR-02", "full-dr", "ai/open-webui"),
            )
        ]
    },
}
RESTIC = {
    "copyMethod": "Snapshot",
    "repository": "${APP_SECRET:=web-data-restic}",
    "volumeSnapshotClassName": "longhorn-snapshot",
    "capacity": "${VOLSYNC_CAPACITY:=2Gi}",
    "storageClassName": "${VOLSYNC_STORAGECLASS}",  # no value anywhere: not guessed
    "accessModes": ["ReadWriteOnce"],
    "cacheCapacity": "1Gi",
    "retain": {"hourly": 24, "daily": 7},
}


def _tree(tmp_path: Path, **restic: Any) -> Path:
    root = tmp_path / "tree"
    shutil.copytree(CASE, root)
    (root / "policies/restore-tests.yaml").write_text(yaml.safe_dump(PLAN, sort_keys=False))
    source = root / APP / "replicationsource.yaml"
    body = yaml.safe_load(source.read_text())
    body["spec"]["restic"] = {**RESTIC, **restic}
    source.write_text(yaml.safe_dump(body))
    pvc = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "web-data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}}},
    }
    (root / APP / "pvc.yaml").write_text(yaml.safe_dump(pvc))
    return root


def _steps(result: DrillResult) -> list[tuple[str, tuple[str, ...]]]:
    assert not result.problems, result.diagnostics.sorted()
    return [
        (step.text, step.commands)
        for section in result.checklist
        for group in section.groups
        for step in group.steps
    ]


def _of(root: Path, result: DrillResult, kind: str) -> dict[str, Any]:
    (found,) = [d for d in objects(root, result) if d["kind"] == kind]
    return found


def _valid(document: dict[str, Any], registry: SchemaRegistry) -> None:
    assert registry.validate_object(document) == [], document


def test_the_drill_restores_from_the_trees_source(
    tmp_path: Path, schema_registry: SchemaRegistry
) -> None:
    root = _tree(tmp_path)
    result = run_drill(root, "BT-VS-01")
    destination = _of(root, result, "ReplicationDestination")
    claim = _of(root, result, "PersistentVolumeClaim")
    assert destination["metadata"]["namespace"] == "apps-restore-test"
    assert destination["spec"]["restic"] == {
        "cacheCapacity": "1Gi",
        "cleanupCachePVC": True,
        "copyMethod": "Snapshot",
        "destinationPVC": "web-data",
        "repository": "web-data-restic",
        "volumeSnapshotClassName": "longhorn-snapshot",
    }
    assert claim["spec"] == {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": "2Gi"}},
    }
    for document in objects(root, result):
        _valid(document, schema_registry)
    steps = dict(_steps(result))
    lookup = next(text for text in steps if text.startswith("Check that ReplicationSource"))
    assert lookup == (
        "Check that ReplicationSource apps/web-data has backed up web-data (its last sync must "
        "not be empty); read the PVC's class and the mover's identity (ReplicationSource "
        "web-data writes storageClassName ${VOLSYNC_STORAGECLASS} with a variable that has no "
        "value in the tree: the live PVC's are used)"
    )
    assert steps[lookup][2] == (
        "CLASS=$(kubectl -n apps get pvc web-data -o jsonpath='{.spec.storageClassName}')"
    )
    copies = [c for commands in steps.values() for c in commands if "get secret" in c]
    assert [c.split(" | ")[0] for c in copies] == [
        "kubectl -n apps get secret web-data-restic -o json"
    ]
    (patch,) = [c for commands in steps.values() for c in commands if "1-pvc.yaml" in c]
    assert '-p "{\\"spec\\":{\\"storageClassName\\":\\"$CLASS\\"}}"' in patch
    _valid(merged(claim, {"spec": {"storageClassName": "longhorn"}}), schema_registry)


def test_a_source_stating_everything_needs_nothing_from_the_live_pvc(tmp_path: Path) -> None:
    root = _tree(tmp_path, storageClassName="longhorn", copyMethod="Clone")
    result = run_drill(root, "BT-VS-01")
    assert _of(root, result, "PersistentVolumeClaim")["spec"]["storageClassName"] == "longhorn"
    restic = _of(root, result, "ReplicationDestination")["spec"]["restic"]
    assert restic["copyMethod"] == "Direct" and "volumeSnapshotClassName" not in restic
    commands = [c for _, found in _steps(result) for c in found]
    assert not [c for c in commands if c.startswith(("SIZE=", "CLASS="))]
    assert any(c.startswith("kubectl apply -f ") and "1-pvc.yaml" in c for c in commands)


def test_an_unknown_repository_secret_is_said_not_guessed(tmp_path: Path) -> None:
    root = _tree(tmp_path, repository="${APP_SECRET}")
    result = run_drill(root, "BT-VS-01")
    assert [name for name in result.files if "/volsync/" in name] == []
    texts = [text for text, _ in _steps(result)]
    assert (
        "apps/web: PVC web-data not restored: ReplicationSource web-data names its repository "
        "Secret '${APP_SECRET}', a variable with no value in the tree; give it a value in the "
        "Flux Kustomization's postBuild.substitute"
    ) in texts


def test_the_runbook_names_the_trees_source_and_a_one_off_restore(
    tmp_path: Path, schema_registry: SchemaRegistry
) -> None:
    root = _tree(tmp_path)
    (step,) = [s for s in _steps(run_drill(root, "BT-DR-01")) if s[0].startswith("VolSync")]
    text, commands = step
    assert text == "VolSync: PVC web-data from the restic repository of ReplicationSource web-data"
    assert commands[0] == (
        "# ReplicationSource apps/web-data (kubernetes/apps/apps/web/replicationsource.yaml) "
        "backs PVC web-data up to the restic repository of Secret web-data-restic; stop the "
        "app first"
    )
    assert commands[2] == (
        "# the tree has no ReplicationDestination of Secret web-data-restic: web-data-restore "
        "restores the newest snapshot straight into PVC web-data"
    )
    (created,) = [c for c in commands if c.startswith("echo ")]
    text = created.removeprefix('echo "').split('" | kubectl apply', 1)[0]
    document = json.loads(text.replace('\\"', '"').replace("$TAG", "restore-20261206"))
    assert document["metadata"] == {"name": "web-data-restore", "namespace": "apps"}
    assert document["spec"]["restic"] == {
        "cacheCapacity": "1Gi",
        "copyMethod": "Direct",
        "destinationPVC": "web-data",
        "repository": "web-data-restic",
    }
    _valid(document, schema_registry)
    assert commands[-1] == "kubectl -n apps delete replicationdestination web-data-restore"


def _tyriis(tmp_path: Path) -> Path:
    tree = realworld_copy("tyriis__home-ops", tmp_path)
    run_import(tree)
    (tree / "policies/restore-tests.yaml").write_text(yaml.safe_dump(PLAN, sort_keys=False))
    return tree


def _drilled(tree: Path, test_id: str) -> tuple[DrillResult, list[dict[str, Any]]]:
    """A drill of the imported tree (its output root is the tree itself) and its objects."""
    result = drill(RunConfig(policies=tree / "policies", output=tree), test_id, DAY)
    found = [d for rel in result.files for d in load_all((tree / rel).read_text())]
    return result, found


def _capacity(tree: Path) -> str:
    """open-webui's VOLSYNC_CAPACITY in its Flux Kustomization (the Component's default
    5Gi otherwise)."""
    for path in tree.glob("kubernetes/main/apps/ai/open-webui/**/*.yaml"):
        for document in load_all(path.read_text()):
            substitute = document.get("spec", {}).get("postBuild", {}).get("substitute", {})
            if document.get("kind") == "Kustomization" and substitute.get("APP") == "open-webui":
                return str(substitute.get("VOLSYNC_CAPACITY", "5Gi"))
    raise AssertionError("no Flux Kustomization of open-webui")


def test_the_tyriis_component_is_drilled_and_restored_by_its_own_objects(
    tmp_path: Path, schema_registry: SchemaRegistry
) -> None:
    tree = _tyriis(tmp_path)
    result, found = _drilled(tree, "BT-VS-02")
    restic: dict[str, Any] = {"cacheAccessModes": ["ReadWriteOnce"], "cacheCapacity": "2Gi"}
    restic |= {"cacheStorageClassName": "ceph-block", "cleanupCachePVC": True}
    restic |= {"copyMethod": "Snapshot", "destinationPVC": "open-webui-data"}
    restic |= {"repository": "open-webui-data-volsync-minio"}
    (destination,) = [d for d in found if d["kind"] == "ReplicationDestination"]
    assert destination["spec"]["restic"] == restic | {"volumeSnapshotClassName": "ceph-block"}
    (claim,) = [d for d in found if d["kind"] == "PersistentVolumeClaim"]
    assert claim["spec"] == {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": _capacity(tree)}},
        "storageClassName": "ceph-block",
    }
    for document in found:
        _valid(document, schema_registry)
    assert not result.problems, result.diagnostics.sorted()

    (step,) = [s for s in _steps(_drilled(tree, "BT-DR-02")[0]) if s[0].startswith("VolSync")]
    commands = step[1]
    assert commands[0] == (
        "# ReplicationSource ai/open-webui-data "
        "(kubernetes/components/volsync/minio/replication-source.yaml) backs PVC "
        "open-webui-data up to the restic repository of Secret open-webui-data-volsync-minio; "
        "stop the app first"
    )
    assert commands[1] == (
        "# restore the newest snapshot again through ReplicationDestination open-webui-data"
    )
    assert (
        "kubectl -n ai patch replicationdestination open-webui-data --type merge" in (commands[3])
    )
    assert commands[7] == (
        "# the tree's PVC has this dataSourceRef too: Flux would also create a deleted PVC "
        "from the backup"
    )
    assert '"ReplicationDestination", name: "open-webui-data"}' in commands[8]


def test_the_one_off_restore_runs_as_the_sources_mover(
    tmp_path: Path, schema_registry: SchemaRegistry
) -> None:
    """Restored files belong to the user the source backed them up as (the shared
    Component's ``${VOLSYNC_PUID:=1000}``), not to the cluster's default mover."""
    mover = {"runAsUser": "${VOLSYNC_PUID:=1000}", "runAsGroup": 1000, "fsGroup": 1000}
    root = _tree(tmp_path, moverSecurityContext=mover)
    (step,) = [s for s in _steps(run_drill(root, "BT-DR-01")) if s[0].startswith("VolSync")]
    (created,) = [c for c in step[1] if c.startswith("echo ")]
    text = created.removeprefix('echo "').split('" | kubectl apply', 1)[0]
    document = json.loads(text.replace('\\"', '"').replace("$TAG", "restore-20261206"))
    assert document["spec"]["restic"]["moverSecurityContext"] == {
        "fsGroup": 1000,
        "runAsGroup": 1000,
        "runAsUser": 1000,
    }
    _valid(document, schema_registry)
