"""Every generated PromQL expression parses, reads only catalogued metrics and labels, and
takes its thresholds from the model (SPEC §5, §9.6)."""

from __future__ import annotations

import re
from pathlib import Path

import promql_parser
import pytest

from compiler.core import cron
from compiler.plan.alerts import TARGET_LABELS, Metric
from compiler.plan.alerts_doc import kinds_of
from compiler.registry import DEFAULT
from tests.alerts.helpers import (
    compile_root,
    crd_tags,
    dashboard_exprs,
    example_result,
    ratios_of_instant_counters,
    rules_of,
    selectors,
)
from tests.litestream.example import copy_example, edit_yaml

RESULT = example_result()
assert RESULT.outputs is not None
RULES = rules_of(RESULT.outputs)
DASHBOARD = dashboard_exprs(RESULT.outputs)
CATALOGUE: dict[str, Metric] = {
    metric.name: metric for kind in kinds_of(DEFAULT.tools) for metric in kind.metrics
}
COUNTERS = {name for name, metric in CATALOGUE.items() if metric.type == "counter"} | {
    "litestream_sync_error_count",
    "litestream_replica_validation_total",
}
# Litestream's names are checked against the real binaries (test_litestream_metrics.py).
LITESTREAM = "litestream_"


def _allowed(metric: Metric) -> set[str]:
    """The exporter's labels, their ``exported_`` form (a clash with a target label), and
    the labels every scraped target gets."""
    return {*metric.labels, *(f"exported_{label}" for label in metric.labels), *TARGET_LABELS}


@pytest.mark.parametrize("expr", [r["expr"] for r in RULES] + DASHBOARD)
def test_every_expression_parses(expr: str) -> None:
    """promql-parser (the Rust port of Prometheus' parser) reads it; promtool checks the
    rule files too (test_promtool.py)."""
    assert promql_parser.parse(expr) is not None


def test_every_metric_and_label_is_catalogued_with_its_source() -> None:
    used = [s for expr in [r["expr"] for r in RULES] + DASHBOARD for s in selectors(expr)]
    assert used
    for selector in used:
        if selector.metric.startswith(LITESTREAM) or not selector.metric:
            continue
        metric = CATALOGUE[selector.metric]
        assert re.match(r"^[\w.-]+/[\w.-]+@v[\d.]+:[\w/.-]+\.go \(.+\)$", metric.source), metric
        for name, _, _ in selector.labels:
            assert name in _allowed(metric), (selector.metric, name)


def test_no_rule_reads_a_metric_that_cannot_prove_freshness() -> None:
    """§9.6: no invented label, no last-attempt gauge, no lifetime failure ratio."""
    for expr in [r["expr"] for r in RULES] + DASHBOARD:
        assert "velero_backup_last_status" not in expr
        assert "k8up_schedule_last_job_succeeded" not in expr
        assert 'state="' not in expr  # longhorn_backup_state has no state label
        assert ratios_of_instant_counters(expr, COUNTERS) == [], expr


def test_the_ratio_check_catches_a_lifetime_ratio() -> None:
    lifetime = "velero_backup_failure_total / velero_backup_attempt_total"
    assert ratios_of_instant_counters(lifetime, COUNTERS)
    windowed = (
        "increase(velero_backup_failure_total[1d]) / increase(velero_backup_attempt_total[1d])"
    )
    assert ratios_of_instant_counters(windowed, COUNTERS) == []


def test_rules_have_for_severity_and_a_runbook() -> None:
    for rule in RULES:
        assert rule["for"] and rule["labels"]["severity"] in {"critical", "warning", "info"}
        assert rule["annotations"]["runbook_url"].startswith("out/docs/backups.md#")
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]


def _stale_thresholds(outputs: dict[str, str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for rule in rules_of(outputs):
        if rule["alert"].endswith("Stale"):
            numbers = re.findall(r"\) > (\d+)|\[(\d+[dhms][\dhms]*)\]", rule["expr"])
            found.setdefault(rule["alert"], set()).update(a or b for a, b in numbers)
    return found


def test_no_fixed_staleness_threshold() -> None:
    thresholds = _stale_thresholds(RESULT.outputs or {})
    # hourly Longhorn backups for the critical class, daily for the important one (audiobookshelf)
    assert thresholds["LonghornBackupStale"] == {"3600", "86400"}
    assert thresholds["VeleroBackupStale"] == {"86400"}
    assert {"1d"} <= thresholds["K8upBackupStale"] and "604800" not in str(
        {alert: found for alert, found in thresholds.items() if alert != "BackupPolicyCronJobStale"}
    )
    # the cleanup: Sundays, 2 am; the restore verification of the important class: daily
    assert thresholds["BackupPolicyCronJobStale"] == {"604800", "86400"}
    assert not any("90000" in t or "25h" in t for t in map(str, thresholds.values()))


def test_thresholds_follow_the_schedules(tmp_path: Path) -> None:
    """A weekly K8up class and half-hourly Longhorn backups move the thresholds with them."""
    root = copy_example(tmp_path)

    def change(data: dict[str, object]) -> None:
        classes = data["spec"]["classes"]  # type: ignore[index]
        classes["critical"]["k8up"]["backup"] = "H H(0-5) * * 0"
        classes["critical"]["longhorn"]["backup"][0]["schedule"] = "H/30 * * * *"  # hourly tier

    edit_yaml(root / "policies/cluster.yaml", change)
    result = compile_root(root)
    assert result.outputs is not None and result.analysis is not None
    thresholds = _stale_thresholds(result.outputs)
    assert thresholds["LonghornBackupStale"] == {"1800", "86400"}  # important stays daily
    weekly = [
        rule["expr"]
        for rule in rules_of(result.outputs)
        if rule["alert"] == "K8upBackupStale" and "productivity" in rule["expr"]
    ]
    assert weekly and all("[7d]" in expr for expr in weekly)
    expected = cron.max_gap_seconds(
        result.analysis.schedules.cron_for("k8up/productivity/paperless/backup")
    )
    assert expected == 7 * 86400


# A metric's source repository -> the repository whose CRDs ../shared/crds holds.
_CRD_REPOS = {
    "k8up-io/k8up": "k8up-io/k8up",
    "vmware-tanzu/velero": "vmware-tanzu/velero",
    "longhorn/longhorn-manager": "longhorn/longhorn",
}


def test_metric_sources_are_read_at_the_versions_of_the_crds() -> None:
    """K8up, Velero and Longhorn metrics are cited at the tag the CRDs were copied from."""
    tags = crd_tags()
    cited = 0
    for metric in CATALOGUE.values():
        repo, _, rest = metric.source.partition("@")
        if repo in _CRD_REPOS:
            assert rest.split(":")[0] == tags[_CRD_REPOS[repo]], metric
            cited += 1
    assert cited >= 10
