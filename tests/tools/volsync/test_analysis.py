"""VolSync in the analysis (coverage, schedule spreading) and its shared kube-state-metrics
config."""

from __future__ import annotations

from pathlib import Path

from compiler.core import cron
from tests.alerts.helpers import compile_root, documents
from tests.conftest import REPO
from tests.test_cases import CASES, materialise
from tests.tools.volsync.example import (
    STATE_METRICS,
    config_map_data,
    example,
    gap,
    outputs,
)

RESULT = example()


def test_a_volsync_backup_is_an_offsite_copy_on_a_separate_target() -> None:
    assert RESULT.analysis is not None
    (coverage,) = [c for c in RESULT.analysis.coverage if c.item.key == "pvc/jellyfin-config"]
    (copy,) = coverage.copies
    assert (copy.method, copy.target, copy.separate, copy.offsite) == (
        "volsync",
        "nas-volsync",
        True,
        True,
    )
    assert coverage.effective_rpo == gap(RESULT) == 3600  # hourly: H * * * *
    assert coverage.met  # the important class's 24h RPO


def test_the_schedule_is_spread_and_written_as_resolved() -> None:
    assert RESULT.analysis is not None
    resolved = RESULT.analysis.schedules.cron_for("volsync/media/jellyfin/jellyfin-config")
    assert not cron.is_hashed(resolved)
    assert (
        f'schedule: "{resolved}"'
        in outputs(RESULT)["kubernetes/apps/media/jellyfin/backup/volsync-jellyfin-config.yaml"]
    )


def test_two_apps_on_one_target_start_in_different_minutes(tmp_path: Path) -> None:
    root = materialise(CASES / "valid" / "volsync-deployment", tmp_path)
    service = (root / "policies/services/web.yaml").read_text()
    other = service.replace("name: web\n", "name: web2\n", 1).replace("  volsync:\n", "", 1)
    other = other.replace("    bootstrap: true\n", "")
    (root / "policies/services/web2.yaml").write_text(other)
    result = compile_root(root)
    assert result.analysis is not None
    first = result.analysis.schedules.cron_for("volsync/apps/web/web-data")
    second = result.analysis.schedules.cron_for("volsync/apps/web2/web-data")
    assert cron.parse(first).minutes.isdisjoint(cron.parse(second).minutes)


def test_the_state_metrics_config_reads_last_sync_time() -> None:
    (resource,) = config_map_data(RESULT)["spec"]["resources"]
    assert resource["groupVersionKind"] == {
        "group": "volsync.backube",
        "version": "v1alpha1",
        "kind": "ReplicationSource",
    }
    assert resource["labelsFromPath"] == {
        "namespace": ["metadata", "namespace"],
        "replicationsource": ["metadata", "name"],
    }
    last, mover = resource["metrics"]
    assert last["each"]["gauge"] == {"path": ["status", "lastSyncTime"], "nilIsZero": True}
    assert mover["each"]["stateSet"]["list"] == ["Successful", "Failed"]
    assert mover["each"]["stateSet"]["path"] == ["status", "latestMoverStatus"]


def test_the_docs_mount_the_generated_config_map() -> None:
    text = (REPO / "docs" / "volsync.md").read_text()
    (config_map,) = documents(outputs(RESULT)[STATE_METRICS])
    assert f"name: {config_map['metadata']['name']}" in text
    assert f"key: {next(iter(config_map['data']))}" in text
    assert config_map["metadata"]["namespace"] == "observability"
    assert "resources: [replicationsources]" in text


def test_no_volsync_service_no_state_metrics(tmp_path: Path) -> None:
    root = materialise(CASES / "valid" / "pinned-schedules", tmp_path)
    assert STATE_METRICS not in outputs(compile_root(root))
