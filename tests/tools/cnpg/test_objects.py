"""The generated CloudNativePG objects: what the upstream CRDs accept, what kustomize builds
into the user's Cluster, and that every name and value agrees with the analysis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.tools.cnpg.cron6 import to_robfig
from compiler.tools.cnpg.names import PLUGIN
from tests.conftest import REPO
from tests.support.validation import kustomize_build, validate_stream
from tests.support.validation.schemas import SchemaRegistry
from tests.tools.cnpg.tree import APP, cluster_patch, compile_tree, make_tree, objects

EXAMPLE = REPO / "out/kubernetes/apps/productivity/miniflux"


def _built(folder: Path, kind: str) -> dict[str, Any]:
    documents = yaml.safe_load_all(kustomize_build(folder))
    return next(d for d in documents if isinstance(d, dict) and d.get("kind") == kind)


def test_the_example_cluster_is_patched_to_archive_to_its_object_store(kubectl: str) -> None:
    built = _built(EXAMPLE, "Cluster")
    (plugin,) = built["spec"]["plugins"]
    assert plugin == {
        "name": PLUGIN,
        "isWALArchiver": True,
        "parameters": {"barmanObjectName": "miniflux-db-backup", "serverName": "miniflux-db"},
    }
    assert built["spec"]["postgresql"]["parameters"]["archive_timeout"] == "5min"
    assert built["spec"]["bootstrap"]["initdb"]["database"] == "miniflux"  # the user's spec


@pytest.mark.parametrize("method", ["plugin", "barmanObjectStore"])
def test_generated_objects_validate_and_build(
    method: str, tmp_path: Path, kubectl: str, schema_registry: SchemaRegistry
) -> None:
    root = make_tree(tmp_path, cnpg={"method": method, "retention": "4w"})
    result = compile_tree(root)
    assert result.outputs is not None
    for kind in ("ObjectStore", "ScheduledBackup", "PodMonitor"):
        for obj in objects(result.outputs, kind):
            assert schema_registry.validate_object(obj) == []
    result_tree = root / "out"
    for path, text in result.outputs.items():
        (result_tree / path).parent.mkdir(parents=True, exist_ok=True)
        (result_tree / path).write_text(text)
    assert validate_stream(kustomize_build(result_tree / APP), schema_registry) == []
    cluster = _built(result_tree / APP, "Cluster")
    if method == "plugin":
        (store,) = objects(result.outputs, "ObjectStore")
        assert store["spec"]["retentionPolicy"] == "4w"
        assert "serverName" not in store["spec"]["configuration"]  # the plugin refuses it
        assert (
            cluster["spec"]["plugins"][0]["parameters"]["barmanObjectName"]
            == (store["metadata"]["name"])
        )
        assert "backup" not in cluster["spec"]
    else:
        assert objects(result.outputs, "ObjectStore") == []
        backup = cluster["spec"]["backup"]
        assert backup["retentionPolicy"] == "4w"
        assert backup["barmanObjectStore"]["serverName"] == "web-db"
        assert "plugins" not in cluster["spec"]


def test_the_scheduled_backup_runs_the_spread_schedule_in_six_fields(tmp_path: Path) -> None:
    result = compile_tree(make_tree(tmp_path))
    assert result.outputs is not None and result.analysis is not None
    (backup,) = objects(result.outputs, "ScheduledBackup")
    expected = to_robfig(result.analysis.schedules.cron_for("cnpg/apps/web/web-db"))
    assert backup["spec"]["schedule"] == expected and len(expected.split()) == 6
    assert backup["spec"]["cluster"] == {"name": "web-db"}
    assert backup["spec"]["method"] == "plugin"
    assert backup["spec"]["pluginConfiguration"] == {"name": PLUGIN}
    assert backup["spec"]["backupOwnerReference"] == "self" and backup["spec"]["immediate"]


def test_server_name_and_archive_timeout_follow_the_policy(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path,
        cnpg={"archiveTimeout": "90s"},
        postgres=[{"cluster": "web-db", "serverName": "web-db-2"}],
    )
    outputs = compile_tree(root).outputs
    assert outputs is not None
    patch = cluster_patch(outputs)
    assert patch["spec"]["postgresql"]["parameters"] == {"archive_timeout": "90s"}
    assert patch["spec"]["plugins"][0]["parameters"]["serverName"] == "web-db-2"


def test_the_pod_monitor_scrapes_the_clusters_instances(tmp_path: Path) -> None:
    outputs = compile_tree(make_tree(tmp_path)).outputs
    assert outputs is not None
    (monitor,) = objects(outputs, "PodMonitor")
    assert monitor["metadata"]["name"] == "web-db-backup"
    labels = {"cnpg.io/cluster": "web-db", "cnpg.io/podRole": "instance"}
    assert monitor["spec"]["selector"]["matchLabels"] == labels
    assert monitor["spec"]["podMetricsEndpoints"] == [{"port": "metrics"}]
