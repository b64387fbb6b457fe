"""The VolSync alert rules in the real Prometheus rule engine (``promtool``, SPEC §7).

Input series are shaped as the exporters write them: VolSync's controller metrics
(``obj_name``, ``obj_namespace``, ``role``, ``method``; scraped through the chart's
ServiceMonitor, so the target's ``namespace`` is VolSync's) and the kube-state-metrics
series of the generated CustomResourceStateMetrics config (``namespace``,
``replicationsource`` and the ``customresource_*`` labels). Thresholds are read from the
model: the stale rule is quiet while the last sync is younger than the PVC's effective RPO
by VolSync, pending once it is older and firing after the class's window.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compiler.core.durations import parse_duration
from compiler.plan.alerts_doc import kinds_of
from compiler.registry import DEFAULT
from compiler.tools.volsync import kinds as volsync_alerts
from tests.alerts.helpers import (
    Scenario,
    Value,
    check_rules,
    crd_tags,
    rule_file,
    rule_objects,
    run_promtool_test,
    steady,
    timeline,
)
from tests.tools.volsync.example import CLAIM, RULES, example, gap, outputs

pytestmark = pytest.mark.integration

RESULT = example()
RULE_OBJECT = rule_objects(outputs(RESULT))[RULES]
SOURCE = f"bp-{CLAIM}"
LAST_SYNC = (
    "backup_policy_volsync_source_last_sync_timestamp_seconds{"
    f'namespace="media",replicationsource="{SOURCE}",customresource_group="volsync.backube",'
    'customresource_kind="ReplicationSource",customresource_version="v1alpha1",'
    'job="kube-state-metrics",instance="10.0.0.9:8080"}'
)
MOVER = LAST_SYNC.replace("last_sync_timestamp_seconds{", 'latest_mover_result{result="{r}",')
CONTROLLER = (
    f'{{obj_name="{SOURCE}",obj_namespace="media",role="source",method="restic",'
    'namespace="volsync-system",job="volsync-metrics",instance="10.0.0.7:8443"}'
)


def rule(alert: str) -> dict[str, Any]:
    return next(r for g in RULE_OBJECT["spec"]["groups"] for r in g["rules"] if r["alert"] == alert)


def for_minutes(alert: str) -> int:
    written = rule(alert)["for"]
    return 0 if written == "0s" else parse_duration(written) // 60


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    return rule_file(RULE_OBJECT, tmp_path / "rules.yaml")


def test_promtool_check_rules(rules: Path) -> None:
    check_rules(rules)


def _healthy(end: int) -> dict[str, list[Value]]:
    """VolSync in sync, nothing missed, fast syncs, the last mover job successful."""
    return {
        f"volsync_volume_out_of_sync{CONTROLLER}": steady(end, 0),
        f"volsync_missed_intervals_total{CONTROLLER}": steady(end, 0),
        "volsync_sync_duration_seconds" + CONTROLLER.replace("{", '{quantile="0.9",'): steady(
            end, 120
        ),
        MOVER.replace("{r}", "Successful"): steady(end, 1),
        MOVER.replace("{r}", "Failed"): steady(end, 0),
    }


def test_staleness_follows_the_effective_rpo(rules: Path, tmp_path: Path) -> None:
    g, w = gap(RESULT) // 60, for_minutes("VolSyncBackupStale")
    assert (g, w) == (60, 60)  # hourly schedule, the important class's 1h window
    synced = 5  # the last sync ended at minute 5: lastSyncTime = 300 (promtool starts at 0)
    end = synced + g + w + 5
    series = {**_healthy(end), LAST_SYNC: steady(end, synced * 60)}
    scenario = Scenario(series)
    scenario.expect(synced + g - 2, "VolSyncBackupStale", "none")
    scenario.expect(synced + g + 2, "VolSyncBackupStale", "pending")
    scenario.expect(synced + g + w + 2, "VolSyncBackupStale", "firing")
    scenario.expect(synced + g + w + 2, "VolSyncBackupMissing", "none")
    scenario.expect(synced + g + w + 2, "VolSyncMoverFailed", "none")
    run_promtool_test(rules, scenario, tmp_path)


def test_a_new_sync_clears_staleness(rules: Path, tmp_path: Path) -> None:
    g, w = gap(RESULT) // 60, for_minutes("VolSyncBackupStale")
    again = g + w + 10
    end = again + 10
    series = {**_healthy(end), LAST_SYNC: timeline(end, (0, 0 + 60), (again, again * 60))}
    scenario = Scenario(series)
    scenario.expect(again - 2, "VolSyncBackupStale", "firing")
    scenario.expect(again + 2, "VolSyncBackupStale", "none")
    run_promtool_test(rules, scenario, tmp_path)


def test_never_synced_and_unexported_are_missing(rules: Path, tmp_path: Path) -> None:
    g, w = gap(RESULT) // 60, for_minutes("VolSyncBackupStale")
    assert for_minutes("VolSyncBackupMissing") == g + w
    end = g + w + 10
    never = Scenario({**_healthy(end), LAST_SYNC: steady(end, 0)})  # nilIsZero: no sync yet
    never.expect(g + w - 5, "VolSyncBackupMissing", "pending")
    never.expect(g + w + 5, "VolSyncBackupMissing", "firing")
    never.expect(g + w + 5, "VolSyncBackupStale", "none")  # 0 is not "stale since 1970"
    run_promtool_test(rules, never, tmp_path)
    unexported = Scenario(_healthy(end))  # kube-state-metrics without the generated config
    unexported.expect(g + w + 5, "VolSyncBackupMissing", "firing")
    run_promtool_test(rules, unexported, tmp_path)


def test_a_failed_mover_job_fires_at_once(rules: Path, tmp_path: Path) -> None:
    end = 30
    series = {
        **_healthy(end),
        LAST_SYNC: steady(end, 60),
        MOVER.replace("{r}", "Successful"): timeline(end, (0, 1), (10, 0)),
        MOVER.replace("{r}", "Failed"): timeline(end, (0, 0), (10, 1)),
    }
    scenario = Scenario(series)
    scenario.expect(8, "VolSyncMoverFailed", "none")
    scenario.expect(11, "VolSyncMoverFailed", "firing")
    run_promtool_test(rules, scenario, tmp_path)


def test_volsync_out_of_sync_and_missing_source(rules: Path, tmp_path: Path) -> None:
    w = for_minutes("VolSyncOutOfSync")
    end = w + 20
    series = {**_healthy(end), LAST_SYNC: steady(end, 60)}
    series[f"volsync_volume_out_of_sync{CONTROLLER}"] = timeline(end, (0, 0), (5, 1))
    scenario = Scenario(series)
    scenario.expect(4, "VolSyncOutOfSync", "none")
    scenario.expect(7, "VolSyncOutOfSync", "pending")
    scenario.expect(5 + w + 2, "VolSyncOutOfSync", "firing")
    scenario.expect(5 + w + 2, "VolSyncSourceMissing", "none")
    run_promtool_test(rules, scenario, tmp_path)
    gone = {k: v for k, v in _healthy(end).items() if "out_of_sync" not in k}
    absent = Scenario({**gone, LAST_SYNC: steady(end, 60)})
    absent.expect(w - 2, "VolSyncSourceMissing", "pending")
    absent.expect(w + 2, "VolSyncSourceMissing", "firing")
    run_promtool_test(rules, absent, tmp_path)


def test_missed_intervals_fire_within_a_gap(rules: Path, tmp_path: Path) -> None:
    g = gap(RESULT) // 60
    end = 10 + g + 10
    series = {**_healthy(end), LAST_SYNC: steady(end, 60)}
    series[f"volsync_missed_intervals_total{CONTROLLER}"] = timeline(end, (0, 0), (10, 1))
    scenario = Scenario(series)
    scenario.expect(8, "VolSyncMissedIntervals", "none")
    scenario.expect(12, "VolSyncMissedIntervals", "firing")
    scenario.expect(10 + g + 5, "VolSyncMissedIntervals", "none")
    run_promtool_test(rules, scenario, tmp_path)


def test_slow_syncs_fire_past_the_window(rules: Path, tmp_path: Path) -> None:
    window = parse_duration(rule("VolSyncBackupStale")["for"])
    end = 20
    series = {**_healthy(end), LAST_SYNC: steady(end, 60)}
    name = "volsync_sync_duration_seconds" + CONTROLLER.replace("{", '{quantile="0.9",')
    series[name] = timeline(end, (0, window - 1), (10, window + 1))
    scenario = Scenario(series)
    scenario.expect(8, "VolSyncSyncSlow", "none")
    scenario.expect(12, "VolSyncSyncSlow", "firing")
    run_promtool_test(rules, scenario, tmp_path)


def test_metrics_are_cited_at_the_tag_of_the_crds() -> None:
    """VolSync's metrics are read at the release ../shared/crds holds (PROVENANCE.md)."""
    tag = crd_tags()["backube/volsync"]
    metrics = [m for kind in volsync_alerts.KINDS for m in kind.metrics]
    controller = [m for m in metrics if m.name.startswith("volsync_")]
    assert {m.name for m in controller} == {
        "volsync_volume_out_of_sync",
        "volsync_missed_intervals_total",
        "volsync_sync_duration_seconds",
    }
    assert all(m.source.startswith(f"backube/volsync@{tag}:") for m in controller)
    assert {k.name for k in volsync_alerts.KINDS} <= {k.name for k in kinds_of(DEFAULT.tools)}
