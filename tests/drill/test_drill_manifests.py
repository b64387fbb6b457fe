"""`backup-policy drill`: the manifests of every test type of the example validate against the
upstream CRDs (closed) and the core schemas, also with the checklist's run-time values merged
in, and what the checklist runs is valid shell."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.core.generated import is_generated_text
from compiler.pipeline.drill import DrillResult
from tests.conftest import require_tool
from tests.drill.helpers import (
    EXAMPLE_TESTS,
    REPO,
    copy_example,
    documents,
    env,
    load_all,
    merged,
    objects,
    run_drill,
)
from tests.support.validation.schemas import SchemaRegistry

Drilled = tuple[Path, dict[str, DrillResult]]
# `kubectl patch --local -f FILE --type merge -p "JSON" -o yaml | kubectl apply -f -`
PATCH = re.compile(r'^kubectl patch --local -f (\S+) --type merge -p "(.*)" -o yaml \| ')
SAMPLES = {
    "$HANDLE": "bak://pvc-0b1c/backup-5d2e",
    "$SIZE": "10Gi",
    "$CLASS": "longhorn",
    "$SNAPSHOT": "5c3fc641",
    "$MOVER": '{"fsGroup":568,"runAsGroup":568,"runAsUser":568}',
    "$IMAGE": "ghcr.io/cloudnative-pg/postgresql:17.5",
}
# The test types whose checklist merges values known only at run time into its files.
PATCHED = ["longhorn-snapshot", "k8up-restic", "volsync", "cnpg"]


@pytest.fixture(scope="module")
def drilled(tmp_path_factory: pytest.TempPathFactory) -> Drilled:
    root = copy_example(tmp_path_factory.mktemp("drills"))
    return root, {kind: run_drill(root, test_id) for kind, test_id in EXAMPLE_TESTS.items()}


def commands(result: DrillResult) -> list[str]:
    return [
        command
        for section in result.checklist
        for group in section.groups
        for step in group.steps
        for command in step.commands
    ]


def test_the_example_has_a_test_of_every_type() -> None:
    text = (REPO / "policies/restore-tests.yaml").read_text()
    for kind, test_id in EXAMPLE_TESTS.items():
        assert f"id: {test_id}" in text and f"type: {kind}" in text


@pytest.mark.parametrize("kind", sorted(EXAMPLE_TESTS))
def test_every_drill_manifest_validates(
    kind: str, drilled: Drilled, schema_registry: SchemaRegistry
) -> None:
    root, results = drilled
    result = results[kind]
    assert result.checklist and not result.problems, result.diagnostics.sorted()
    assert bool(result.files) == (kind != "full-dr")
    found = [
        (document["kind"], document["metadata"]["name"], problem.render())
        for document in objects(root, result)
        for problem in schema_registry.validate_object(document)
    ]
    assert found == []


@pytest.mark.parametrize("kind", PATCHED)
def test_the_run_time_values_merged_in_still_validate(
    kind: str, drilled: Drilled, schema_registry: SchemaRegistry
) -> None:
    """The checklist's `kubectl patch --local` lines are JSON merge patches that keep the
    objects valid (snapshot handle, size and class of the live PVC, restic snapshot ID, the
    VolSync mover's identity, the Postgres image)."""
    _, results = drilled
    patches = [match for c in commands(results[kind]) if (match := PATCH.match(c))]
    assert patches
    for match in patches:
        text = match.group(2).replace('\\"', '"')
        for variable, value in SAMPLES.items():
            text = text.replace(variable, value)
        (document,) = load_all((Path.cwd() / match.group(1)).read_text())
        patched = merged(document, json.loads(text))
        assert schema_registry.validate_object(patched) == [], match.group(1)
        assert "set-at-run-time" not in json.dumps(patched)


@pytest.mark.parametrize("kind", sorted(set(EXAMPLE_TESTS) - {"full-dr"}))
def test_the_checklist_commands_pass_shellcheck(
    kind: str, drilled: Drilled, tmp_path: Path
) -> None:
    """Every command of a drill's checklist, in order, as one POSIX sh script."""
    require_tool("shellcheck", shutil.which("shellcheck") is not None)
    _, results = drilled
    script = tmp_path / "checklist.sh"
    script.write_text("#!/bin/sh\nset -e\n" + "\n".join(commands(results[kind])) + "\n")
    done = subprocess.run(
        ["shellcheck", "-s", "sh", "-S", "warning", str(script)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout


def test_the_drill_scripts_are_the_templates_and_pass_shellcheck(
    drilled: Drilled, tmp_path: Path
) -> None:
    require_tool("shellcheck", shutil.which("shellcheck") is not None)
    root, results = drilled
    scripts: dict[str, str] = {}
    for kind in ("longhorn-snapshot", "litestream"):
        for rel, docs in documents(root, results[kind]).items():
            if rel.endswith("/scripts.yaml"):
                for config_map in docs:
                    scripts |= config_map["data"]
    assert set(scripts) == {"smoke.sh", "litestream-restore.sh"}
    for name, text in scripts.items():
        assert text == (REPO / "templates/drill" / name).read_text()
        (tmp_path / name).write_text(text)
        done = subprocess.run(
            ["shellcheck", "-s", "sh", str(tmp_path / name)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout


def _by_kind(root: Path, result: DrillResult, kind: str) -> list[dict[str, Any]]:
    return [d for d in objects(root, result) if d["kind"] == kind]


def test_longhorn_snapshots_each_pvc_and_clones_it_into_the_test_namespace(
    drilled: Drilled,
) -> None:
    root, results = drilled
    result = results["longhorn-snapshot"]
    (snapshot_class,) = _by_kind(root, result, "VolumeSnapshotClass")
    assert snapshot_class["driver"] == "driver.longhorn.io"
    snapshots = _by_kind(root, result, "VolumeSnapshot")
    live = {
        s["spec"]["source"]["persistentVolumeClaimName"]: s["metadata"]["namespace"]
        for s in snapshots
        if "persistentVolumeClaimName" in s["spec"]["source"]
    }
    assert live == {
        "n8n-data": "automation",
        "paperless-data": "productivity",
        "paperless-media": "productivity",
    }
    claims = {c["metadata"]["name"]: c for c in _by_kind(root, result, "PersistentVolumeClaim")}
    assert set(claims) == set(live)
    for name, claim in claims.items():
        assert claim["metadata"]["namespace"] == f"{live[name]}-restore-test"
        assert claim["spec"]["dataSource"]["kind"] == "VolumeSnapshot"
    pods = {
        p["metadata"]["name"]: env(p["spec"]["containers"][0])
        for p in objects(root, result)
        if p["kind"] == "Pod"
    }
    assert pods["bp-drill-check-paperless-data"]["SQLITE_DBS"] == "db.sqlite3"
    assert pods["bp-drill-check-paperless-media"]["MUST_EXIST"] == "documents/originals"
    assert {
        c["spec"]["deletionPolicy"] for c in _by_kind(root, result, "VolumeSnapshotContent")
    } == {"Retain"}


def test_a_synology_volume_gets_its_driver_and_an_external_one_is_named(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    plan = root / "policies/restore-tests.yaml"
    plan.write_text(
        plan.read_text().replace(
            "services: [productivity/paperless, automation/n8n]",
            "services: [network/python-ipam, productivity/linkding]",
        )
    )
    linkding = root / "policies/services/linkding.yaml"  # external storage, on a PVC here
    linkding.write_text(linkding.read_text().replace("emptyDir: true", "claim: linkding-data"))
    result = run_drill(root, "BT-LH-01")  # paperless and n8n list the test themselves
    drivers = {c["driver"] for c in _by_kind(root, result, "VolumeSnapshotClass")}
    assert drivers == {"csi.san.synology.com", "driver.longhorn.io"}
    texts = [s.text for section in result.checklist for g in section.groups for s in g.steps]
    assert "productivity/linkding: storage external has no CSI snapshot driver" in texts


def test_k8up_restores_from_the_schedules_repository(drilled: Drilled) -> None:
    root, results = drilled
    restores = _by_kind(root, results["k8up-restic"], "Restore")
    (restore,) = [r for r in restores if r["metadata"]["name"].startswith("bp-drill-overseerr-")]
    schedule = load_all(
        (REPO / "out/kubernetes/apps/media/overseerr/backup/k8up-schedule.yaml").read_text()
    )[0]
    assert restore["spec"]["backend"] == schedule["spec"]["backend"]
    assert restore["spec"]["tags"] == schedule["spec"]["backup"]["tags"]
    assert restore["spec"]["restoreMethod"] == {"folder": {"claimName": "overseerr-config"}}
    assert restore["metadata"]["namespace"] == "media-restore-test"


def test_velero_restores_the_schedule_under_a_namespace_mapping(drilled: Drilled) -> None:
    root, results = drilled
    (restore,) = _by_kind(root, results["velero-namespace"], "Restore")
    assert restore["metadata"]["namespace"] == "velero"
    assert restore["spec"]["scheduleName"] == "bp-productivity"
    assert restore["spec"]["namespaceMapping"] == {"productivity": "productivity-restore-test"}
    assert "velero -n velero restore logs bp-drill-productivity-20261206" in commands(
        results["velero-namespace"]
    )


def test_velero_restores_nothing_that_writes_to_the_production_targets(drilled: Drilled) -> None:
    """In the scratch namespace, a restored Litestream config would make the app's copy
    replicate into the production replica path, a K8up Schedule back up into the production
    repository: every object the compile generated in the namespace is left out by its
    label, the backup machinery and the releases by their kind."""
    root, results = drilled
    (restore,) = _by_kind(root, results["velero-namespace"], "Restore")
    spec = restore["spec"]
    assert spec["labelSelector"] == {
        "matchExpressions": [
            {
                "key": "app.kubernetes.io/managed-by",
                "operator": "NotIn",
                "values": ["backup-policy"],
            }
        ]
    }
    excluded = set(spec["excludedResources"])
    assert {"schedules.k8up.io", "helmreleases.helm.toolkit.fluxcd.io"} <= excluded
    generated = [
        document
        for path in sorted((REPO / "out/kubernetes/apps/productivity").rglob("*.yaml"))
        if is_generated_text(text := path.read_text()) and "/patches/" not in path.as_posix()
        for document in yaml.safe_load_all(text)
        if document.get("kind") not in ("Component", "Kustomization")
    ]
    assert {d["kind"] for d in generated} >= {"ConfigMap", "Schedule", "PrometheusRule"}
    for document in generated:
        labels = document["metadata"].get("labels", {})
        assert labels.get("app.kubernetes.io/managed-by") == "backup-policy", document["kind"]


def test_full_dr_is_the_runbook_critical_services_first(drilled: Drilled) -> None:
    _, results = drilled
    groups = [g.title for g in results["full-dr"].checklist[1].groups]
    classes = [title.split(":")[0] for title in groups]
    assert classes == sorted(classes, key=["critical", "important", "best-effort"].index)
    assert "critical: productivity/paperless" in groups and "best-effort: tools/spoolman" in groups


def test_before_and_after(drilled: Drilled) -> None:
    root, results = drilled
    done = commands(results["longhorn-snapshot"])
    assert done[0] == (
        "SILENCE_ID=$(amtool silence add --author=storage-lead --duration=1h "
        "--comment='restore drill BT-LH-01' "
        "'namespace=~\"automation-restore-test|productivity-restore-test\"')"
    )
    policies = os.path.relpath(root / "policies")  # how the drill was given them
    assert done[-1] == (
        f"backup-policy record BT-LH-01 --policies {policies} --date 2026-12-06 "
        '--result passed --duration "$DURATION" --owner storage-lead'
    )
    assert 'amtool silence expire "$SILENCE_ID"' in done


def test_an_adopted_volsync_source_drills_valid_manifests(
    tmp_path: Path, schema_registry: SchemaRegistry
) -> None:
    """jellyfin with volsync.existing and its own ReplicationSource (copyMethod Snapshot, a
    Flux default for the size, no class): the drill restores from that source's repository,
    and its files validate, also with the live PVC's class merged in."""
    root = copy_example(tmp_path)
    service = root / "policies/services/jellyfin.yaml"
    service.write_text(service.read_text().replace("bootstrap: true", "existing: true"))
    restic = {"repository": "jellyfin-restic", "copyMethod": "Snapshot"}
    restic |= {"volumeSnapshotClassName": "longhorn-snapshot", "capacity": "${SIZE:=3Gi}"}
    source = {
        "apiVersion": "volsync.backube/v1alpha1",
        "kind": "ReplicationSource",
        "metadata": {"name": "jellyfin", "namespace": "media"},
        "spec": {
            "sourcePVC": "jellyfin-config",
            "trigger": {"schedule": "0 * * * *"},
            "restic": restic,
        },
    }
    app = root / "out/kubernetes/apps/media/jellyfin/app"
    (app / "replicationsource.yaml").write_text(json.dumps(source))
    result = run_drill(root, "BT-VS-01")
    assert not result.problems, result.diagnostics.sorted()
    found = objects(root, result)
    (destination,) = [d for d in found if d["kind"] == "ReplicationDestination"]
    assert destination["spec"]["restic"]["repository"] == "jellyfin-restic"
    assert destination["spec"]["restic"]["volumeSnapshotClassName"] == "longhorn-snapshot"
    (claim,) = [d for d in found if d["kind"] == "PersistentVolumeClaim"]
    assert claim["spec"]["resources"] == {"requests": {"storage": "3Gi"}}
    assert [
        (d["kind"], p.render()) for d in found for p in schema_registry.validate_object(d)
    ] == []
    for match in [m for c in commands(result) if (m := PATCH.match(c))]:
        text = match.group(2).replace('\\"', '"')
        for variable, value in SAMPLES.items():
            text = text.replace(variable, value)
        (document,) = load_all((Path.cwd() / match.group(1)).read_text())
        assert schema_registry.validate_object(merged(document, json.loads(text))) == []
