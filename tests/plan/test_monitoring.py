"""Where alert rules and the dashboard land, and that the real tools accept them: the
Prometheus Operator and core CRDs (closed schemas), and ``kubectl kustomize`` building the
app and shared folders of a compiled copy of the example."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from compiler.plan.alerts import anchor, runbook_url
from compiler.plan.dashboard import FOLDER, UID
from compiler.plan.prometheusrule import RULE_FILE
from tests.alerts.helpers import (
    compile_root,
    dashboard_model,
    documents,
    example_result,
    rule_objects,
    rules_of,
)
from tests.conftest import REPO
from tests.litestream.example import copy_example, flux_substitute
from tests.support.validation import kustomize_build, validate_stream
from tests.support.validation.schemas import SchemaRegistry

RESULT = example_result()
assert RESULT.outputs is not None
OUTPUTS = RESULT.outputs
APPS = "kubernetes/apps"


def _doc(path: str) -> dict[str, Any]:
    return documents(OUTPUTS[path])[0]


def test_every_app_component_lists_its_prometheus_rule() -> None:
    assert RESULT.analysis is not None
    for service in RESULT.analysis.services:
        folder = f"{service.app_dir}/backup"
        rule = _doc(f"{folder}/{RULE_FILE}")
        assert rule["metadata"]["namespace"] == service.namespace
        assert rule["metadata"]["name"] == f"{service.name}-backup"
        assert RULE_FILE in _doc(f"{folder}/kustomization.yaml")["resources"]
        for group in rule["spec"]["groups"]:
            for item in group["rules"]:
                assert item["labels"]["backup_policy_service"] == service.key


def test_shared_objects_have_their_rules_beside_them() -> None:
    objects = rule_objects(OUTPUTS)
    velero = objects[f"{APPS}/storage/velero/schedules/{RULE_FILE}"]
    cleanup = objects[f"{APPS}/storage/litestream-cleanup/{RULE_FILE}"]
    assert velero["metadata"]["namespace"] == "velero"
    assert cleanup["metadata"]["namespace"] == "storage"
    for folder in ("storage/velero/schedules", "storage/litestream-cleanup"):
        assert RULE_FILE in _doc(f"{APPS}/{folder}/kustomization.yaml")["resources"]
    assert f"{APPS}/storage/longhorn/recurring-jobs/{RULE_FILE}" not in OUTPUTS  # per PVC


def test_severity_follows_the_classification() -> None:
    expected = {"critical": "critical", "important": "warning", "best-effort": "info"}
    assert RESULT.analysis is not None
    classes = {s.key: s.classification for s in RESULT.analysis.services}
    seen = set()
    for rule in rules_of(OUTPUTS):
        service = rule["labels"].get("backup_policy_service")
        if service is not None:
            assert rule["labels"]["severity"] == expected[classes[service]]
            seen.add(classes[service])
    assert seen == set(expected)
    cleanup = rule_objects(OUTPUTS)[f"{APPS}/storage/litestream-cleanup/{RULE_FILE}"]
    assert {r["labels"]["severity"] for g in cleanup["spec"]["groups"] for r in g["rules"]} == {
        "warning"
    }


def test_runbook_anchors_come_from_one_function() -> None:
    assert anchor("service", "productivity", "paperless") == "service-productivity-paperless"
    assert anchor("Velero", "bp-My_ns") == "velero-bp-my-ns"
    urls = {r["annotations"]["runbook_url"] for r in rules_of(OUTPUTS)}
    # relative to the docs folder (out/docs of the example) until the plan places it
    assert f"out/docs/{runbook_url('service', 'productivity', 'paperless')}" in urls
    assert f"out/docs/{runbook_url('velero', 'bp-productivity')}" in urls


def test_rule_objects_and_dashboard_validate_against_the_crds(
    schema_registry: SchemaRegistry,
) -> None:
    objects = [*rule_objects(OUTPUTS).values(), _doc(f"{FOLDER}/dashboard.yaml")]
    for obj in objects:
        assert schema_registry.validate_object(obj) == [], obj["metadata"]["name"]


def test_dashboard_is_one_config_map_for_the_grafana_sidecar() -> None:
    config_map = _doc(f"{FOLDER}/dashboard.yaml")
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert "dashboard.yaml" in _doc(f"{FOLDER}/kustomization.yaml")["resources"]
    model = json.loads(flux_substitute(config_map["data"]["backups.json"]))
    assert model["title"] == "Backups" and model["uid"] == UID
    titles = [panel["title"] for panel in model["panels"]]
    assert titles == [
        "Last success age / stale threshold",
        "K8up: successful backups within the stale threshold",
        "Failed runs",
        "Litestream sync errors (15m)",
        "Litestream WAL size",
        "Restore tests: days until due",
    ]
    for panel in model["panels"]:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    assert [v["name"] for v in model["templating"]["list"]] == ["datasource"]


def test_restore_test_panel_counts_down_to_each_due_date() -> None:
    model = dashboard_model(OUTPUTS)
    panel = next(p for p in model["panels"] if p["title"].startswith("Restore tests"))
    legends = {t["legendFormat"]: t["expr"] for t in panel["targets"]}
    # BT-LH-01 passed on 2026-10-06, quarterly (92 days), grace 14 days
    due = 1791244800 + (92 + 14) * 86400
    assert (
        legends[next(k for k in legends if k.startswith("BT-LH-01"))] == f"({due} - time()) / 86400"
    )
    # BT-K8-01: partial on 2026-09-22, then passed on 2026-10-13 (quarterly, grace 14 days)
    rerun = 1791849600 + (92 + 14) * 86400
    assert legends[next(k for k in legends if k.startswith("BT-K8-01"))] == (
        f"({rerun} - time()) / 86400"
    )


def test_the_dashboard_is_deterministic() -> None:
    again = compile_root()
    assert again.outputs is not None
    assert again.outputs[f"{FOLDER}/dashboard.yaml"] == OUTPUTS[f"{FOLDER}/dashboard.yaml"]


def test_validate_never_imports_the_grafana_sdk() -> None:
    """The SDK is imported by the plan stage only when it builds the dashboard."""
    code = (
        "import sys\n"
        "from compiler.cli.main import cli\n"
        "try:\n"
        "    cli(['validate', '-p', 'policies'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(any(m.startswith('grafana_foundation_sdk') for m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.stdout.strip().splitlines()[-1] == "False", done.stdout + done.stderr


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example compiled and written (the committed out/ is not touched)."""
    root = copy_example(tmp_path_factory.mktemp("monitoring"))
    done = subprocess.run(
        [sys.executable, "-m", "compiler", "compile", "-p", "policies", "-o", "out"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return root / "out"


@pytest.mark.parametrize(
    "folder",
    [
        "productivity/paperless/app",
        "network/python-ipam",
        "storage/velero/schedules",
        "storage/litestream-cleanup",
        "observability/backup-policy",
    ],
)
def test_kustomize_builds_the_rules_and_the_dashboard(
    folder: str, compiled: Path, kubectl: str, schema_registry: SchemaRegistry
) -> None:
    built = kustomize_build(compiled / APPS / folder)
    assert validate_stream(built, schema_registry) == []
    kinds = {d.get("kind") for d in documents(built)}
    assert ("ConfigMap" if folder.startswith("observability") else "PrometheusRule") in kinds


def test_rules_use_the_names_and_limits_of_the_generated_objects() -> None:
    """The Litestream job label is the PodMonitor's, the cleanup ``for`` its Job deadline."""
    from compiler.tools.litestream.alerts import CLEANUP_DEADLINE, scrape_job

    monitor = _doc(f"{APPS}/productivity/paperless/backup/litestream-podmonitor.yaml")
    meta = monitor["metadata"]
    assert scrape_job("productivity", "paperless") == f"{meta['namespace']}/{meta['name']}"
    cronjob = _doc(f"{APPS}/storage/litestream-cleanup/cleanup-garage.yaml")
    assert cronjob["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"] == CLEANUP_DEADLINE
    assert cronjob["metadata"]["name"] == "litestream-cleanup-garage"
