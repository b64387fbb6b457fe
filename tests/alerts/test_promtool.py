"""The generated rules in the real Prometheus rule engine (``promtool``, SPEC §7).

``promtool check rules`` on every generated rule file; ``promtool test rules`` on the rules
generated for the example's paperless (Longhorn, K8up, Litestream) and the Velero schedule
of its namespace, with input series shaped like the exporters' (label names and values as
the upstream sources set them). Every threshold is read from the model, never written here:
a staleness alert is quiet while the last success is younger than the item's effective RPO,
pending once it is older, and firing after ``for``.
"""

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
    steady,
    timeline,
)

pytestmark = pytest.mark.integration

RESULT = example_result()
assert RESULT.outputs is not None and RESULT.analysis is not None
RULES = rule_objects(RESULT.outputs)
APP = "kubernetes/apps/productivity/paperless/backup/prometheusrule.yaml"
VELERO = "kubernetes/apps/storage/velero/schedules/prometheusrule.yaml"
CLEANUP = "kubernetes/apps/storage/litestream-cleanup/prometheusrule.yaml"


def gap(method: str, key: str = "pvc/paperless-data") -> int:
    """The item's effective RPO by ``method``, as the analysis computed it."""
    assert RESULT.analysis is not None
    for coverage in RESULT.analysis.coverage:
        if coverage.service.key == "productivity/paperless" and coverage.item.key == key:
            return next(c.gap for c in coverage.copies if c.method == method)
    raise AssertionError(method)


def rule(path: str, alert: str) -> dict[str, Any]:
    return next(r for g in RULES[path]["spec"]["groups"] for r in g["rules"] if r["alert"] == alert)


def for_minutes(path: str, alert: str) -> int:
    written = rule(path, alert)["for"]
    return 0 if written == "0s" else parse_duration(written) // 60


@pytest.fixture
def app_rules(tmp_path: Path) -> Path:
    return rule_file(RULES[APP], tmp_path / "app.yaml")


@pytest.mark.parametrize("path", sorted(RULES), ids=lambda p: p.split("/apps/")[1])
def test_promtool_check_rules(path: str, tmp_path: Path) -> None:
    check_rules(rule_file(RULES[path], tmp_path / "rules.yaml"))


# As scraped through the K8up chart's ServiceMonitor: the job's namespace is exported_namespace.
K8UP = (
    'k8up_jobs_successful_counter{{exported_namespace="productivity",jobType="backup",'
    'namespace="k8up",pod="{pod}"}}'
)


def test_k8up_staleness_follows_the_effective_rpo(app_rules: Path, tmp_path: Path) -> None:
    g, w = gap("k8up") // 60, for_minutes(APP, "K8upBackupStale")
    assert w == 60  # the critical class's K8up window
    success = g + 120  # a long history first: the series existed a whole window before
    end = success + g + w + 5
    scenario = Scenario({K8UP.format(pod="k8up-a"): timeline(end, (0, 5), (success, 6))})
    scenario.expect(success + g - 2, "K8upBackupStale", "none")
    scenario.expect(success + g + 2, "K8upBackupStale", "pending")
    scenario.expect(success + g + w + 2, "K8upBackupStale", "firing")
    scenario.expect(success + g + w + 2, "K8upBackupMissing", "none")
    run_promtool_test(app_rules, scenario, tmp_path)


def test_k8up_operator_restart_is_no_false_alarm(app_rules: Path, tmp_path: Path) -> None:
    """After a restart the counter is born at 1 by the next success (increase sees 0)."""
    g, w = gap("k8up") // 60, for_minutes(APP, "K8upBackupStale")
    success = g + 120
    restart, again = success + 180, success + 190
    end = again + g + w + 5
    scenario = Scenario(
        {
            K8UP.format(pod="k8up-a"): timeline(end, (0, 5), (success, 6), (restart, "stale")),
            K8UP.format(pod="k8up-b"): timeline(end, (again, 1)),
        }
    )
    scenario.expect(success + g + w + 2, "K8upBackupStale", "none")  # the new success counts
    scenario.expect(again + g + w + 2, "K8upBackupStale", "firing")  # ...for one window only
    run_promtool_test(app_rules, scenario, tmp_path)


def test_k8up_restart_without_success_keeps_alerting(app_rules: Path, tmp_path: Path) -> None:
    """Old samples judge the window, then the missing rule takes over without a gap."""
    g, w = gap("k8up") // 60, for_minutes(APP, "K8upBackupStale")
    success = g + 120
    restart = success + 180
    end = restart + 2 * g + w + 10
    scenario = Scenario(
        {K8UP.format(pod="k8up-a"): timeline(end, (0, 5), (success, 6), (restart, "stale"))}
    )
    scenario.expect(success + g + w + 2, "K8upBackupStale", "firing")
    scenario.expect(restart + g + 30, "K8upBackupStale", "firing")
    handover = restart + 2 * g + w + 2
    scenario.expect(handover, "K8upBackupMissing", "firing")
    run_promtool_test(app_rules, scenario, tmp_path)


LONGHORN = (
    'longhorn_volume_last_backup_at{node="n1",volume="pvc-0a1b",pvc="paperless-data",'
    'pvc_namespace="productivity"}'
)


def test_longhorn_staleness_follows_the_effective_rpo(app_rules: Path, tmp_path: Path) -> None:
    g, w = gap("longhorn-backup") // 60, for_minutes(APP, "LonghornBackupStale")
    success = 60
    end = success + g + w + 5
    scenario = Scenario({LONGHORN: timeline(end, (0, 0), (success, success * 60))})
    item = {"backup_policy_item": "pvc/paperless-data"}
    scenario.expect(success - 1, "LonghornBackupMissing", "pending", **item)  # 0: never
    scenario.expect(success + g + w, "LonghornBackupMissing", "none", **item)
    scenario.expect(success + g - 2, "LonghornBackupStale", "none")
    scenario.expect(success + g + 2, "LonghornBackupStale", "pending")
    scenario.expect(success + g + w + 2, "LonghornBackupStale", "firing")
    run_promtool_test(app_rules, scenario, tmp_path)


@pytest.mark.parametrize("state, fires", [(3, False), (4, True), (2, False), (5, False)])
def test_longhorn_error_fires_on_state_4_only(
    state: int, fires: bool, app_rules: Path, tmp_path: Path
) -> None:
    backup = (
        'longhorn_backup_state{{volume="{v}",backup="backup-{v}",'
        'recurring_job="bp-critical-backup"}}'
    )
    scenario = Scenario(
        {
            LONGHORN: timeline(30, (0, 600)),
            backup.format(v="pvc-0a1b"): timeline(30, (0, state)),
            backup.format(v="pvc-other"): timeline(30, (0, 4)),  # not this service's volume
        }
    )
    scenario.expect(10, "LonghornBackupError", "firing" if fires else "none")
    run_promtool_test(app_rules, scenario, tmp_path)


def test_a_missing_litestream_series_fires(app_rules: Path, tmp_path: Path) -> None:
    db = (
        'litestream_db_size{namespace="productivity",job="productivity/paperless-litestream",'
        'db="/data/db.sqlite3",pod="paperless-0",container="litestream"}'
    )
    wait = for_minutes(APP, "LitestreamMissing")
    scenario = Scenario({db: timeline(wait + 40, (0, 4096), (20, "stale"))})
    scenario.expect(10, "LitestreamMissing", "none")
    scenario.expect(30, "LitestreamMissing", "pending")
    scenario.expect(20 + 5 + wait + 2, "LitestreamMissing", "firing")  # after 5m lookback
    run_promtool_test(app_rules, scenario, tmp_path)


def test_litestream_sync_errors_fire(app_rules: Path, tmp_path: Path) -> None:
    errors = (
        'litestream_sync_error_count{namespace="productivity",job="productivity/paperless-litestream",'
        'db="/data/db.sqlite3",pod="paperless-0"}'
    )
    scenario = Scenario({errors: timeline(60, (0, 0), (30, 2))})
    scenario.expect(20, "LitestreamSyncErrors", "none")
    scenario.expect(32, "LitestreamSyncErrors", "firing")
    scenario.expect(50, "LitestreamSyncErrors", "none")  # out of the 15m window again
    run_promtool_test(app_rules, scenario, tmp_path)


LITESTREAM = (
    '{metric}{{namespace="productivity",job="productivity/paperless-litestream",'
    'db="/data/db.sqlite3",pod="paperless-0",container="litestream"{extra}}}'
)


def _litestream(metric: str, extra: str = "") -> str:
    return LITESTREAM.format(metric=metric, extra=extra)


def _replica(metric: str, name: str = "garage") -> str:
    return _litestream(f"litestream_replica_wal_{metric}", f',name="{name}"')


def stall_window() -> int:
    """The rule's window in minutes, as compiled (max(2*syncInterval, 15m))."""
    expr = rule(APP, "LitestreamReplicaStalled")["expr"]
    return parse_duration(expr.split("[", 1)[1].split("]", 1)[0]) // 60


def test_a_stalled_litestream_replica_fires(app_rules: Path, tmp_path: Path) -> None:
    """WAL written every minute; the replica's offset follows until minute 30, then stays."""
    window, wait = stall_window(), for_minutes(APP, "LitestreamReplicaStalled")
    end = 30 + window + wait + 10
    total = [4096 * (m + 1) for m in range(end + 1)]
    offset = [4128 * (min(m, 30) + 1) for m in range(end + 1)]
    scenario = Scenario(
        {
            _litestream("litestream_total_wal_bytes"): list(total),
            _replica("index"): steady(end, 0),
            _replica("offset"): list(offset),
            # another replica of the database: it keeps moving, and is not this alert's
            _replica("offset", "offsite"): [4128 * (m + 1) for m in range(end + 1)],
            _litestream("litestream_sync_error_count"): steady(end, 0),
        }
    )
    scenario.expect(25, "LitestreamReplicaStalled", "none")
    scenario.expect(30 + window - 2, "LitestreamReplicaStalled", "none")  # moved in the window
    scenario.expect(30 + window + 2, "LitestreamReplicaStalled", "pending")
    scenario.expect(end, "LitestreamReplicaStalled", "firing", backup_policy_target="garage")
    scenario.expect(end, "LitestreamSyncErrors", "none")  # a failed upload is no sync error
    run_promtool_test(app_rules, scenario, tmp_path)


def test_a_replica_that_never_uploaded_fires(app_rules: Path, tmp_path: Path) -> None:
    """0.3.13 creates the replica's series on its first successful upload: none at all
    (wrong credentials, unreachable endpoint from the start) while the database writes."""
    wait, end = for_minutes(APP, "LitestreamReplicaStalled"), 40
    written: list[Value] = [4096 * (m + 1) for m in range(end + 1)]
    scenario = Scenario({_litestream("litestream_total_wal_bytes"): written})
    scenario.expect(1 + wait + 1, "LitestreamReplicaStalled", "firing")
    run_promtool_test(app_rules, scenario, tmp_path)


def test_a_healthy_or_idle_litestream_replica_is_quiet(app_rules: Path, tmp_path: Path) -> None:
    """Written every 10 minutes, uploaded at the next sync (within the minute); then idle
    for hours (nothing written, nothing to upload)."""
    end = 300
    total = timeline(end, *((m, 4096 * (m // 10 + 1)) for m in range(0, 120, 10)))
    offset = timeline(end, *((m + 1, 4128 * (m // 10 + 1)) for m in range(0, 120, 10)))
    scenario = Scenario(
        {
            _litestream("litestream_total_wal_bytes"): total,
            _replica("index"): steady(end, 3),
            _replica("offset"): offset,
        }
    )
    # a write is pending until its upload shows (a minute here), never for `for`
    for minute in range(5, end + 1, 10):
        scenario.expect(minute, "LitestreamReplicaStalled", "none")
    run_promtool_test(app_rules, scenario, tmp_path)


def test_a_failing_litestream_restore_fires_for_its_app_only(
    app_rules: Path, tmp_path: Path
) -> None:
    restarts = (
        'kube_pod_init_container_status_restarts_total{{namespace="productivity",'
        'pod="{pod}",container="litestream-restore",job="kube-state-metrics"}}'
    )
    scenario = Scenario(
        {
            restarts.format(pod="paperless-7d9c-x2"): timeline(60, (0, 0), (30, 1)),
            # another app's pod in the namespace: not paperless's alert
            restarts.format(pod="paperlessng-5b-q1"): timeline(60, (0, 0), (10, 3)),
        }
    )
    scenario.expect(20, "LitestreamRestoreFailing", "none")
    scenario.expect(32, "LitestreamRestoreFailing", "firing")
    scenario.expect(50, "LitestreamRestoreFailing", "none")  # no new failure for 15m
    run_promtool_test(app_rules, scenario, tmp_path)


VELERO_TS = 'velero_backup_last_successful_timestamp{schedule="bp-productivity",job="velero"}'
VELERO_ATTEMPTS = 'velero_backup_attempt_total{schedule="bp-productivity",job="velero"}'


def velero_gap() -> int:
    expr = rule(VELERO, "VeleroBackupStale")["expr"]
    return int(expr.split(") > ")[1].split()[0]) // 60


def test_velero_staleness_follows_the_schedule(tmp_path: Path) -> None:
    assert RESULT.analysis is not None
    expected = cron.max_gap_seconds(RESULT.analysis.schedules.cron_for("velero/productivity"))
    g, w = velero_gap(), for_minutes(VELERO, "VeleroBackupStale")
    assert g * 60 == expected
    success = 60
    end = success + g + w + 5
    scenario = Scenario(
        {
            VELERO_TS: timeline(end, (success, success * 60)),
            VELERO_ATTEMPTS: timeline(end, (0, 1)),
        }
    )
    scenario.expect(30, "VeleroBackupMissing", "pending")  # absent until the first success
    scenario.expect(success + g - 2, "VeleroBackupStale", "none")
    scenario.expect(success + g + 2, "VeleroBackupStale", "pending")
    scenario.expect(success + g + w + 2, "VeleroBackupStale", "firing")
    run_promtool_test(rule_file(RULES[VELERO], tmp_path / "velero.yaml"), scenario, tmp_path)


@pytest.mark.parametrize("how", ["paused", "removed"])
def test_a_paused_or_removed_velero_schedule_does_not_page_as_stale(
    how: str, tmp_path: Path
) -> None:
    """Paused (after Velero restarted) or removed: Velero keeps no counters for it
    (InitSchedule never runs, or RemoveSchedule deleted them), while the last-success
    timestamp is recomputed every minute from the Backups that still exist."""
    g, w = velero_gap(), for_minutes(VELERO, "VeleroBackupStale")
    success, gone = 60, 180
    end = success + g + w + 30
    attempts = timeline(end, (0, 1), (gone, "stale"))
    timestamp = timeline(end, (success, success * 60))
    if how == "removed":  # RemoveSchedule deletes it, the next resync sets it again
        timestamp = timeline(
            end, (success, success * 60), (gone, "stale"), (gone + 1, success * 60)
        )
    scenario = Scenario({VELERO_TS: timestamp, VELERO_ATTEMPTS: attempts})
    scenario.expect(success + g + w + 2, "VeleroBackupStale", "none")
    scenario.expect(gone + 10, "VeleroScheduleInactive", "pending")  # said once, not as stale
    scenario.expect(gone + 5 + g + 2, "VeleroScheduleInactive", "firing")
    run_promtool_test(rule_file(RULES[VELERO], tmp_path / "velero.yaml"), scenario, tmp_path)


def test_velero_partial_and_validation_failures_fire(tmp_path: Path) -> None:
    series = {
        f'velero_backup_{name}_total{{schedule="bp-productivity"}}': timeline(60, (0, 0), (30, 1))
        for name in ("failure", "partial_failure", "validation_failure")
    }
    scenario = Scenario(series)
    for alert in (
        "VeleroBackupFailed",
        "VeleroBackupPartiallyFailed",
        "VeleroBackupValidationFailed",
    ):
        scenario.expect(20, alert, "none")
        scenario.expect(32, alert, "firing")
    run_promtool_test(rule_file(RULES[VELERO], tmp_path / "velero.yaml"), scenario, tmp_path)


def test_cleanup_cronjob_failure_and_staleness(tmp_path: Path) -> None:
    name, ns = "litestream-cleanup-garage", "storage"
    cron_gap = int(rule(CLEANUP, "BackupPolicyCronJobStale")["expr"].split(") > ")[1].split()[0])
    g, w = cron_gap // 60, for_minutes(CLEANUP, "BackupPolicyCronJobStale")
    success, step = 60, 5  # a weekly job: evaluated every 5 minutes
    assert g % step == 0 and w % step == 0
    end = success + g + w + 5
    job = f'namespace="{ns}",job_name="{name}-29000000"'
    cronjob = f'namespace="{ns}",cronjob="{name}"'
    owner = f'owner_kind="CronJob",owner_name="{name}",owner_is_controller="true"'
    scenario = Scenario(
        {
            f"kube_cronjob_status_last_successful_time{{{cronjob}}}": timeline(
                end, (success, success * 60)
            ),
            f"kube_cronjob_spec_suspend{{{cronjob}}}": timeline(end, (0, 0)),
            f"kube_job_status_start_time{{{job}}}": timeline(end, (120, 120 * 60)),
            f'kube_job_status_failed{{{job},reason="BackoffLimitExceeded"}}': timeline(
                end, (125, 1)
            ),
            f"kube_job_owner{{{job},{owner}}}": timeline(end, (120, 1)),
        },
        step=step,
    )
    scenario.expect(100, "BackupPolicyCronJobFailed", "none")
    scenario.expect(130, "BackupPolicyCronJobFailed", "firing")  # newer than the last success
    scenario.expect(success + g - step, "BackupPolicyCronJobStale", "none")
    scenario.expect(success + g + w + step, "BackupPolicyCronJobStale", "firing")
    run_promtool_test(rule_file(RULES[CLEANUP], tmp_path / "cleanup.yaml"), scenario, tmp_path)
