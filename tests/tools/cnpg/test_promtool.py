"""The CloudNativePG rules of the example (productivity/miniflux, barman-cloud plugin) in the
real rule engine (``promtool test rules``), with series shaped as the instances export them
(no label of their own; the target labels of the generated PodMonitor). Thresholds come from
the model: the base-backup gap from the resolved schedule, the WAL threshold from the
class's archive timeout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compiler.core import cron
from compiler.core.durations import parse_duration
from tests.alerts.helpers import (
    Scenario,
    Value,
    check_rules,
    example_result,
    rule_file,
    rule_objects,
    run_promtool_test,
    timeline,
)
from tests.tools.cnpg.tree import compile_tree, make_tree

pytestmark = pytest.mark.integration

RESULT = example_result()
assert RESULT.outputs is not None and RESULT.analysis is not None
RULES = rule_objects(RESULT.outputs)
APP = "kubernetes/apps/productivity/miniflux/backup/prometheusrule.yaml"
GAP = cron.max_gap_seconds(
    RESULT.analysis.schedules.cron_for("cnpg/productivity/miniflux/miniflux-db")
)
TARGET = 'namespace="productivity",job="productivity/miniflux-db-backup",container="postgres"'
PLUGIN = "barman_cloud_cloudnative_pg_io"


def series(metric: str, pod: str = "miniflux-db-1", **labels: str) -> str:
    extra = "".join(f',{k}="{v}"' for k, v in labels.items())
    return f'{metric}{{{TARGET},pod="{pod}",instance="{pod}:9187"{extra}}}'


def rule(alert: str, path: str = APP) -> dict[str, Any]:
    rules = RULES[path]["spec"]["groups"]
    return next(r for g in rules for r in g["rules"] if r["alert"] == alert)


def for_minutes(alert: str) -> int:
    written = rule(alert)["for"]
    return 0 if written == "0s" else parse_duration(written) // 60


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    return rule_file(RULES[APP], tmp_path / "app.yaml")


def test_promtool_checks_the_rules(rules: Path) -> None:
    check_rules(rules)
    assert GAP == 86400  # daily base backups in the example's important class


def test_base_backup_staleness_follows_the_schedule(rules: Path, tmp_path: Path) -> None:
    """Both instances report the ObjectStore's last backup; one alert, after gap + window."""
    g, w = GAP // 60, for_minutes("CnpgBackupStale")
    assert w == 60
    backup, end = 10, 10 + g + w + 5
    last = f"{PLUGIN}_last_available_backup_timestamp"
    scenario = Scenario(
        {
            series(last): timeline(end, (0, 0), (backup, backup * 60)),
            series(last, "miniflux-db-2"): timeline(end, (0, 0), (backup, backup * 60)),
        }
    )
    scenario.expect(backup - 2, "CnpgBackupMissing", "pending")  # 0: no backup yet
    scenario.expect(backup + 2, "CnpgBackupMissing", "none")
    scenario.expect(backup + g - 2, "CnpgBackupStale", "none")
    scenario.expect(backup + g + 2, "CnpgBackupStale", "pending")
    scenario.expect(backup + g + w + 2, "CnpgBackupStale", "firing")
    run_promtool_test(rules, scenario, tmp_path)


def test_unscraped_instances_fire_missing_after_a_whole_gap(rules: Path, tmp_path: Path) -> None:
    wait = for_minutes("CnpgBackupMissing")
    assert wait * 60 == GAP + 3600
    other = f'{PLUGIN}_last_available_backup_timestamp{{namespace="other",job="other/x-backup"}}'
    scenario = Scenario({other: timeline(wait + 5, (0, 600))})
    scenario.expect(2, "CnpgBackupMissing", "pending")
    scenario.expect(wait + 2, "CnpgBackupMissing", "firing")
    run_promtool_test(rules, scenario, tmp_path)


@pytest.mark.parametrize("failing", ["plugin", "cluster"])
def test_a_failed_backup_fires_until_one_succeeds(
    failing: str, rules: Path, tmp_path: Path
) -> None:
    """Every instance exports both failure gauges: the plugin's (the ObjectStore's status)
    and the Cluster's lastFailedBackup (set for plugin backups too; the primary's value, 0
    on the replica). Either one newer than the last backup fires."""
    last = f"{PLUGIN}_last_available_backup_timestamp"
    plugin, cluster = (
        f"{PLUGIN}_last_failed_backup_timestamp",
        "cnpg_collector_last_failed_backup_timestamp",
    )
    failed = timeline(60, (0, 0), (20, 1200))
    quiet = timeline(60, (0, 0))
    scenario = Scenario(
        {
            series(last): timeline(60, (0, 600), (40, 2400)),
            series(last, "miniflux-db-2"): timeline(60, (0, 600), (40, 2400)),
            series(plugin): failed if failing == "plugin" else quiet,
            series(plugin, "miniflux-db-2"): failed if failing == "plugin" else quiet,
            series(cluster): failed if failing == "cluster" else quiet,
            series(cluster, "miniflux-db-2"): quiet,
        }
    )
    scenario.expect(10, "CnpgBackupFailed", "none")
    scenario.expect(22, "CnpgBackupFailed", "firing")  # for: 0s
    scenario.expect(42, "CnpgBackupFailed", "none")  # a later backup succeeded
    run_promtool_test(rules, scenario, tmp_path)


def test_wal_archiving_is_stale_only_while_segments_wait(rules: Path, tmp_path: Path) -> None:
    """Idle (nothing ready) is quiet however old the last archival; waiting segments with no
    archival within archive_timeout (5m, also the rule's for) fire."""
    timeout, wait = 5, for_minutes("CnpgWalArchivingStale")
    assert wait == timeout
    since = "cnpg_pg_stat_archiver_seconds_since_last_archival"
    ready = "cnpg_collector_pg_wal_archive_status"
    ages: list[Value] = [minute * 60 for minute in range(81)]  # last archival at 0, never again
    scenario = Scenario(
        {
            series(since): ages,
            series(ready, value="ready"): timeline(80, (0, 0), (40, 3)),
            series(ready, value="done"): timeline(80, (0, 50)),
            series(ready, "miniflux-db-2", value="ready"): timeline(80, (0, 0)),
        }
    )
    scenario.expect(30, "CnpgWalArchivingStale", "none")  # idle for 30m: no data at risk
    scenario.expect(41, "CnpgWalArchivingStale", "pending")
    scenario.expect(40 + wait + 2, "CnpgWalArchivingStale", "firing")
    run_promtool_test(rules, scenario, tmp_path)


def test_archiving_that_never_worked_fires(rules: Path, tmp_path: Path) -> None:
    """pg_stat_archiver reports -1 seconds before the first archival."""
    since = "cnpg_pg_stat_archiver_seconds_since_last_archival"
    ready = "cnpg_collector_pg_wal_archive_status"
    scenario = Scenario(
        {
            series(since): timeline(20, (0, -1)),
            series(ready, value="ready"): timeline(20, (0, 0), (5, 1)),
        }
    )
    scenario.expect(3, "CnpgWalArchivingStale", "none")
    scenario.expect(5 + for_minutes("CnpgWalArchivingStale") + 2, "CnpgWalArchivingStale", "firing")
    run_promtool_test(rules, scenario, tmp_path)


def test_the_in_tree_method_reads_the_collector_gauges(tmp_path: Path) -> None:
    """The in-tree method's freshness is the Cluster's lastSuccessfulBackup (primary only:
    a replica reports 0), which the plugin never sets."""
    root = make_tree(tmp_path / "tree", cnpg={"method": "barmanObjectStore"})
    outputs = compile_tree(root).outputs
    assert outputs is not None
    path = "kubernetes/apps/apps/web/backup/prometheusrule.yaml"
    rules = rule_file(rule_objects(outputs)[path], tmp_path / "in-tree.yaml")
    target = 'namespace="apps",job="apps/web-db-backup"'
    last = "cnpg_collector_last_available_backup_timestamp"
    scenario = Scenario(
        {
            f'{last}{{{target},pod="web-db-1"}}': timeline(30, (0, 600)),
            f'{last}{{{target},pod="web-db-2"}}': timeline(30, (0, 0)),
            f'{PLUGIN}_last_available_backup_timestamp{{{target},pod="web-db-1"}}': timeline(
                30, (0, 0)
            ),
        }
    )
    scenario.expect(20, "CnpgBackupMissing", "none")
    run_promtool_test(rules, scenario, tmp_path)
