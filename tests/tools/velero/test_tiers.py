"""Velero tiers: a weekly Schedule kept a quarter beside the daily one kept a month, per
namespace, spread on the storage location and alerted on by its own gap."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from compiler.analyse.schedule import minutes_of_week
from compiler.config import RunConfig
from compiler.pipeline.build import BuildResult, build
from compiler.tools.velero import importer
from compiler.tree.read import read_tree
from tests.support.validation.schemas import SchemaRegistry
from tests.test_cases import CASES, materialise

CASE = CASES / "valid" / "velero-tiers"
FOLDER = "kubernetes/apps/storage/velero/schedules"


def _build(root: Path) -> BuildResult:
    return build(RunConfig(policies=root / "policies", output=root / "out"))


def _objects(result: BuildResult, name: str) -> list[dict[str, Any]]:
    text = (result.outputs or {})[f"{FOLDER}/{name}"]
    return [d for d in yaml.safe_load_all(text) if d]


def test_each_namespace_gets_a_schedule_per_tier(
    tmp_path: Path, schema_registry: SchemaRegistry
) -> None:
    result = _build(materialise(CASE, tmp_path))
    assert [d.render() for d in result.diagnostics.sorted() if d.level == "error"] == []
    [daily] = _objects(result, "bp-apps.yaml")
    [weekly] = _objects(result, "bp-apps-weekly.yaml")
    assert (daily["spec"]["template"]["ttl"], weekly["spec"]["template"]["ttl"]) == (
        "720h",
        "2160h",
    )
    assert weekly["spec"]["template"]["includedNamespaces"] == ["apps"]
    assert weekly["spec"]["schedule"].endswith(" * * 0")
    starts = [minutes_of_week(d["spec"]["schedule"]) for d in (daily, weekly)]
    assert starts[0].isdisjoint(starts[1])  # one location, never two starts in a minute
    for document in (daily, weekly):
        assert schema_registry.validate_object(document) == []


def test_the_weekly_tier_is_alerted_on_by_its_own_gap(tmp_path: Path) -> None:
    result = _build(materialise(CASE, tmp_path))
    [rule_object] = _objects(result, "prometheusrule.yaml")
    stale = {
        rule["expr"].split("schedule=")[1].split("}")[0]: rule["expr"].split(") > ")[1].split()[0]
        for group in rule_object["spec"]["groups"]
        for rule in group["rules"]
        if rule["alert"] == "VeleroBackupStale"
    }
    assert stale == {'"bp-apps"': "86400", '"bp-apps-weekly"': "604800"}


def test_two_tiers_of_one_name_are_refused(tmp_path: Path) -> None:
    root = materialise(CASE, tmp_path)
    cluster = root / "policies" / "cluster.yaml"
    tier = '          - {tier: weekly, schedule: "H H(0-5) * * 0", ttl: 90d}\n'
    cluster.write_text(cluster.read_text().replace(tier, tier + tier))
    problems = [(d.line, d.rule) for d in _build(root).diagnostics.sorted()]
    assert problems == [(55, "BP204")]  # the tiers list


SCHEDULE = """apiVersion: velero.io/v1
kind: Schedule
metadata:
  name: {name}
  namespace: velero
spec:
  schedule: "{cron}"
  template:
    includedNamespaces: [apps]
    storageLocation: default
    ttl: {ttl}
"""


def test_import_makes_the_longer_schedules_of_a_namespace_tiers(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(CASES / "base" / "out", tree)
    folder = tree / "kubernetes/apps/storage/velero"
    folder.mkdir(parents=True)
    for name, cron, ttl in [
        ("apps-weekly", "0 4 * * 0", "2160h0m0s"),
        ("apps", "0 3 * * *", "720h0m0s"),
    ]:
        (folder / f"{name}.yaml").write_text(SCHEDULE.format(name=name, cron=cron, ttl=ttl))
    part = importer.import_existing(read_tree(tree, "."))
    [copy] = part.copies
    assert (copy.item, copy.gap) == ("pvc/web-data", 86400)
    assert copy.block == {
        "target": "velero-default",
        "schedule": "0 3 * * *",
        "ttl": "720h",
        "tiers": [{"tier": "weekly", "schedule": "0 4 * * 0", "ttl": "2160h"}],
    }


def test_a_tier_cannot_take_another_namespaces_schedule_name(tmp_path: Path) -> None:
    """The weekly tier of ``apps`` and the Schedule of namespace ``apps-weekly`` would both
    be bp-apps-weekly: one file would replace the other."""
    root = materialise(CASE, tmp_path)
    services = root / "policies" / "services"
    web = (services / "web.yaml").read_text()
    (services / "shop.yaml").write_text(
        web.replace("name: web\n  namespace: apps", "name: shop\n  namespace: apps-weekly")
    )
    found = [d for d in _build(root).diagnostics.sorted() if d.rule == "BP352"]
    assert [(d.file, d.line, d.message) for d in found] == [
        (
            "policies/cluster.yaml",
            51,  # the class's velero block, which makes both
            "Velero Schedule bp-apps-weekly of namespace apps-weekly has the name of "
            "namespace apps's",
        )
    ]
