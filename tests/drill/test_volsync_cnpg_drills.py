"""The VolSync and CloudNativePG drills of the example (BT-VS-01, BT-PG-01) and their runbook
steps in the full-dr drill: they restore from exactly what the compiled Components back up
to, into the test namespace, and every object validates against the closed CRDs."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from compiler.pipeline.drill import DrillResult
from tests.conftest import require_tool
from tests.drill.helpers import REPO, copy_example, load_all, merged, objects, run_drill
from tests.support.validation.schemas import SchemaRegistry

Doc = dict[str, Any]
JELLYFIN = "out/kubernetes/apps/media/jellyfin/backup/volsync-jellyfin-config.yaml"
MINIFLUX = "out/kubernetes/apps/productivity/miniflux/backup/cnpg-miniflux-db.yaml"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_example(tmp_path_factory.mktemp("example"))


def _of(root: Path, result: DrillResult, kind: str) -> list[Doc]:
    return [d for d in objects(root, result) if d["kind"] == kind]


def _commands(result: DrillResult) -> list[str]:
    steps = [step for section in result.checklist for g in section.groups for step in g.steps]
    return [command for step in steps for command in step.commands]


def _live(path: str, kind: str) -> Doc:
    found: Doc
    (found,) = [d for d in load_all((REPO / path).read_text()) if d["kind"] == kind]
    return found


def test_volsync_restores_the_sources_repository_into_a_fresh_pvc(example: Path) -> None:
    result = run_drill(example, "BT-VS-01")
    assert not result.problems, result.diagnostics.sorted()
    (destination,) = _of(example, result, "ReplicationDestination")
    (claim,) = _of(example, result, "PersistentVolumeClaim")
    (pod,) = _of(example, result, "Pod")
    source = _live(JELLYFIN, "ReplicationSource")
    restic = destination["spec"]["restic"]
    assert destination["metadata"]["namespace"] == "media-restore-test"
    assert restic["repository"] == source["spec"]["restic"]["repository"] == "jellyfin-volsync"
    assert restic["copyMethod"] == "Direct"
    assert restic["destinationPVC"] == claim["metadata"]["name"] == "jellyfin-config"
    assert claim["metadata"]["namespace"] == pod["metadata"]["namespace"] == "media-restore-test"
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert volumes["data"]["persistentVolumeClaim"] == {"claimName": "jellyfin-config"}
    trigger = destination["spec"]["trigger"]["manual"]
    assert trigger == "drill-20261206"
    done = _commands(result)
    wait = "{.status.lastManualSync}'=" + trigger
    assert any("wait replicationdestination/" in c and wait in c for c in done)
    assert any(c.startswith("kubectl -n media get secret jellyfin-volsync -o json") for c in done)


def test_the_volsync_mover_runs_as_the_source_or_unset(
    example: Path, schema_registry: SchemaRegistry
) -> None:
    """`$MOVER` is the source's moverSecurityContext as JSON, or `null` without one."""
    result = run_drill(example, "BT-VS-01")
    (line,) = [c for c in _commands(result) if "moverSecurityContext" in c and "patch" in c]
    text = line.split(' -p "', 1)[1].split('" -o yaml', 1)[0].replace('\\"', '"')
    (destination,) = _of(example, result, "ReplicationDestination")
    source = _live(JELLYFIN, "ReplicationSource")["spec"]["restic"]["moverSecurityContext"]
    for value, expected in ((json.dumps(source), source), ("null", None)):
        patched = merged(destination, json.loads(text.replace("$MOVER", value)))
        assert patched["spec"]["restic"].get("moverSecurityContext") == expected
        assert schema_registry.validate_object(patched) == []


def test_cnpg_recovers_from_the_archive_the_cluster_writes(example: Path) -> None:
    result = run_drill(example, "BT-PG-01")
    assert not result.problems, result.diagnostics.sorted()
    (store,) = _of(example, result, "ObjectStore")
    (cluster,) = _of(example, result, "Cluster")
    live = _live(MINIFLUX, "ObjectStore")
    assert store["metadata"]["namespace"] == cluster["metadata"]["namespace"]
    assert store["metadata"]["namespace"] == "productivity-restore-test"
    assert store["spec"]["configuration"] == live["spec"]["configuration"]
    assert "retentionPolicy" not in store["spec"]  # a drill never deletes a backup
    spec = cluster["spec"]
    (origin,) = spec["externalClusters"]
    assert spec["bootstrap"]["recovery"] == {"source": origin["name"], "database": "miniflux"}
    assert origin["plugin"]["parameters"] == {
        "barmanObjectName": store["metadata"]["name"],
        "serverName": "miniflux-db",
    }
    assert "plugins" not in spec and "backup" not in spec  # it archives nothing
    done = _commands(result)
    assert any(c.startswith("kubectl -n productivity get secret garage-s3 -o json") for c in done)
    assert any("-d miniflux -c 'SELECT 1 FROM users LIMIT 1')" in c for c in done)


def test_cnpg_in_tree_method_recovers_through_barman_object_store(
    tmp_path: Path, schema_registry: SchemaRegistry
) -> None:
    root = copy_example(tmp_path)
    cluster_policy = root / "policies/cluster.yaml"
    text = cluster_policy.read_text()
    marker = "        archiveTimeout: 5m\n"
    assert marker in text
    cluster_policy.write_text(text.replace(marker, marker + "        method: barmanObjectStore\n"))
    result = run_drill(root, "BT-PG-01")
    assert not result.problems and not _of(root, result, "ObjectStore")
    (cluster,) = _of(root, result, "Cluster")
    (origin,) = cluster["spec"]["externalClusters"]
    store = origin["barmanObjectStore"]
    assert store["serverName"] == "miniflux-db"
    assert store["destinationPath"] == "s3://k8up/cnpg/productivity"
    assert schema_registry.validate_object(cluster) == []


def _heredoc(commands: tuple[str, ...]) -> Doc:
    start = next(i for i, c in enumerate(commands) if "<<'EOF' | kubectl apply -f -" in c)
    end = commands.index("EOF", start)
    document: Doc
    (document,) = load_all("\n".join(commands[start + 1 : end]))
    return document


def test_the_full_dr_runbook_restores_both(example: Path, schema_registry: SchemaRegistry) -> None:
    result = run_drill(example, "BT-DR-01")
    steps = {s.text: s for section in result.checklist for g in section.groups for s in g.steps}
    volsync = steps["VolSync: PVC jellyfin-config from its restic repository on nas-volsync"]
    restore = "bp-jellyfin-config-restore"
    assert any(restore in c and "lastManualSync" in c for c in volsync.commands)
    assert any('name: "bp-jellyfin-config-restore"' in c for c in volsync.commands)
    cnpg = steps["CloudNativePG: Postgres miniflux-db from its archive on garage"]
    cluster = _heredoc(cnpg.commands)
    assert cluster["metadata"] == {
        "name": "miniflux-db-restore",
        "namespace": "productivity",
        "labels": {"app.kubernetes.io/managed-by": "backup-policy"},
    }
    cluster["spec"] |= {"imageName": "ghcr.io/cloudnative-pg/postgresql:17.5"}
    cluster["spec"]["storage"] = {"size": "5Gi"}
    assert schema_registry.validate_object(cluster) == []


def test_the_runbook_commands_pass_shellcheck(example: Path, tmp_path: Path) -> None:
    require_tool("shellcheck", shutil.which("shellcheck") is not None)
    result = run_drill(example, "BT-DR-01")
    groups = [g for s in result.checklist for g in s.groups]
    found = [
        command
        for group in groups
        for step in group.steps
        if step.text.startswith(("VolSync:", "CloudNativePG:"))
        for command in step.commands
    ]
    assert found
    script = tmp_path / "runbook.sh"
    script.write_text("#!/bin/sh\nset -e\n" + "\n".join(found) + "\n")
    done = subprocess.run(
        ["shellcheck", "-s", "sh", "-S", "warning", str(script)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout


def test_without_bootstrap_the_runbook_says_flux_creates_the_pvc_empty(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    jellyfin = root / "policies/services/jellyfin.yaml"
    text = jellyfin.read_text()
    assert "    bootstrap: true\n" in text
    jellyfin.write_text(text.replace("    bootstrap: true\n", "    bootstrap: false\n"))
    result = run_drill(root, "BT-DR-01")
    steps = [s for section in result.checklist for g in section.groups for s in g.steps]
    (step,) = [s for s in steps if s.text.startswith("VolSync: PVC jellyfin-config")]
    assert "# without volsync.bootstrap Flux creates the PVC empty: create it from the backup" in (
        step.commands
    )
    assert any("dataSourceRef" in c for c in step.commands)
