"""Longhorn backup and snapshot tiers: one RecurringJob per tier, the RPO over all tiers, and
the import of a real tree's daily and weekly tiers (kelchm's ``backup-daily`` kept 7 and
``backup-weekly`` kept 4) as tiers, not folded into one job."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from compiler.analyse.schedule import minutes_of_week
from compiler.cli.main import cli
from compiler.config import RunConfig
from compiler.core import cron
from compiler.core.yamlread import load_documents
from compiler.pipeline.build import BuildResult, build
from compiler.tools.longhorn import importer
from compiler.tree.read import read_tree
from tests.importer.helpers import realworld_copy, run_import
from tests.support.validation.schemas import SchemaRegistry
from tests.test_cases import CASES, materialise

CASE = CASES / "valid" / "longhorn-backup-tiers"
FOLDER = "kubernetes/apps/storage/longhorn/recurring-jobs"
FLUX_ENTRY = (CASES / "base/out/kubernetes/flux/cluster/ks.yaml").read_text()  # the sync


def _result(tmp_path: Path) -> BuildResult:
    root = materialise(CASE, tmp_path)
    result = build(RunConfig(policies=root / "policies", output=root / "out"))
    assert [d.render() for d in result.diagnostics.sorted() if d.level == "error"] == []
    return result


def _jobs(result: BuildResult) -> dict[str, dict[str, Any]]:
    found = {}
    for path, text in sorted((result.outputs or {}).items()):
        if path.startswith(FOLDER) and Path(path).name.startswith("bp-important-"):
            [job] = load_documents(text)
            found[Path(path).stem] = job["spec"]
    return found


def test_every_tier_is_a_recurring_job_of_the_class_group(
    tmp_path: Path, schema_registry: SchemaRegistry
) -> None:
    result = _result(tmp_path)
    jobs = _jobs(result)
    tiers = {name: (spec["task"], spec["retain"]) for name, spec in jobs.items()}
    assert tiers == {
        "bp-important-backup": ("backup", 7),
        "bp-important-backup-evening": ("backup", 7),
        "bp-important-backup-weekly": ("backup", 4),
        "bp-important-snapshot": ("snapshot", 4),
        "bp-important-snapshot-daily": ("snapshot", 7),
    }
    for name, spec in jobs.items():
        assert spec["name"] == name and len(name) <= 40
        assert spec["groups"] == ["bp-important"]
    assert jobs["bp-important-backup"]["cron"] == "0 1 * * *"  # pinned: as written
    assert jobs["bp-important-backup-evening"]["cron"] == "0 13 * * *"
    # the hashed weekly tier starts in a minute no other backup of the target starts in
    weekly = minutes_of_week(jobs["bp-important-backup-weekly"]["cron"])
    others = {"bp-important-backup", "bp-important-backup-evening"}
    assert all(weekly.isdisjoint(minutes_of_week(jobs[n]["cron"])) for n in others)
    for path, text in (result.outputs or {}).items():
        if path.startswith(FOLDER) and Path(path).name.startswith("bp-"):
            [job] = load_documents(text)
            assert schema_registry.validate_object(job) == []


def test_the_rpo_is_the_largest_gap_between_backups_of_any_tier(tmp_path: Path) -> None:
    result = _result(tmp_path)
    assert result.analysis is not None
    [web] = [c for c in result.analysis.coverage if c.item.key == "pvc/web-data"]
    backup = next(c for c in web.copies if c.method == "longhorn-backup")
    # 01:00 and 13:00 daily: 12h apart, though each tier alone is a day apart
    assert cron.max_gap_seconds("0 1 * * *") == 86400
    assert backup.gap == 12 * 3600
    assert web.effective_rpo == 12 * 3600  # the class's 12h RPO is met: no BP350
    assert not [d for d in result.diagnostics.sorted() if d.rule == "BP350"]
    snapshot = next(c for c in web.copies if c.method == "longhorn-snapshot")
    assert snapshot.gap == 6 * 3600 and not snapshot.separate


def test_without_the_evening_tier_the_rpo_is_missed(tmp_path: Path) -> None:
    root = materialise(CASE, tmp_path)
    cluster = root / "policies" / "cluster.yaml"
    text = cluster.read_text()
    evening = '          - {tier: evening, schedule: "0 13 * * *", retain: 7}\n'
    assert evening in text
    cluster.write_text(text.replace(evening, ""))
    result = build(RunConfig(policies=root / "policies", output=root / "out"))
    assert [d.rule for d in result.diagnostics.sorted() if d.level == "error"] == ["BP350"]


def _kelchm_with_a_longhorn_pvc(tmp_path: Path) -> Path:
    """kelchm's tree with one Longhorn PVC in an app it has (the tree's own PVCs are made
    by charts it does not render): it is in the ``default`` group, which both tiers run on."""
    tree = realworld_copy("kelchm__home-lab", tmp_path)
    app = next(p.parent for p in sorted(tree.glob("kubernetes/apps/*/*/app/kustomization.yaml")))
    (app / "bp-test-pvc.yaml").write_text(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: tiered-data\n"
        f"  namespace: {app.parent.parent.name}\nspec:\n  storageClassName: longhorn\n"
        "  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n"
    )
    kustomization = app / "kustomization.yaml"
    text = kustomization.read_text()
    assert "resources:\n" in text
    kustomization.write_text(text.replace("resources:\n", "resources:\n  - bp-test-pvc.yaml\n", 1))
    return tree


def _with_a_flux_entry(tree: Path) -> None:
    """The fixture is a partial copy without its Flux entry: the sync that applies
    ``kubernetes/apps``, whose kustomization lists every Flux Kustomization."""
    (tree / "kubernetes/flux/cluster").mkdir(parents=True)
    (tree / "kubernetes/flux/cluster/ks.yaml").write_text(FLUX_ENTRY)
    apps = tree / "kubernetes/apps"
    listed = [p.relative_to(apps).as_posix() for p in apps.glob("*/*/ks.yaml")]
    # and the generated folders' own ks.yaml, as BP408's hint asks
    listed += ["storage/longhorn/recurring-jobs/ks.yaml", "observability/backup-policy/ks.yaml"]
    lines = "".join(f"  - ./{path}\n" for path in sorted(listed))
    (tree / "kubernetes/apps/kustomization.yaml").write_text(
        f"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n{lines}"
    )


@pytest.mark.integration
def test_kelchms_daily_and_weekly_jobs_are_imported_as_tiers(tmp_path: Path) -> None:
    tree = _kelchm_with_a_longhorn_pvc(tmp_path)
    result = run_import(tree)
    assert [d.render() for d in result.diagnostics.items if d.level == "error"] == []
    [row] = [r for r in result.compared if r.item == "pvc/tiered-data"]
    assert not row.lost and row.before_rpo == row.after_rpo == 86400
    [cluster] = load_documents((tree / "policies" / "cluster.yaml").read_text())
    assert isinstance(cluster, dict)
    [block] = [c["longhorn"] for c in cluster["spec"]["classes"].values() if "longhorn" in c]
    assert block["backup"] == [
        {"schedule": "0 7 * * *", "retain": 7},
        {"tier": "weekly", "schedule": "0 8 * * 0", "retain": 4},
    ]
    lines = [note.line() for note in result.unmapped]
    assert not [line for line in lines if "RecurringJob backup-" in line]  # both reach it


@pytest.mark.integration
def test_the_imported_tiers_compile_to_two_backup_jobs(tmp_path: Path) -> None:
    tree = _kelchm_with_a_longhorn_pvc(tmp_path)
    _with_a_flux_entry(tree)
    run_import(tree)
    with contextlib.chdir(tree):
        result = CliRunner().invoke(cli, ["compile", "--fix"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    written = {p.stem: p for p in tree.glob(f"{FOLDER}/bp-*-backup*.yaml")}
    specs = {name: load_documents(p.read_text())[0]["spec"] for name, p in written.items()}
    tiers = {name: (spec["cron"], spec["retain"]) for name, spec in specs.items()}
    [daily] = [name for name in tiers if not name.endswith("-weekly")]
    assert tiers == {daily: ("0 7 * * *", 7), f"{daily}-weekly": ("0 8 * * 0", 4)}


def test_a_snapshot_tier_cannot_take_the_cleanup_jobs_name(tmp_path: Path) -> None:
    """``tier: cleanup`` would write bp-<class>-snapshot-cleanup, the snapshot-cleanup job."""
    root = materialise(CASE, tmp_path)
    cluster = root / "policies" / "cluster.yaml"
    daily = '{tier: daily, schedule: "H H(0-5) * * *", retain: 7}'
    cluster.write_text(cluster.read_text().replace(daily, daily.replace("daily", "cleanup")))
    result = build(RunConfig(policies=root / "policies", output=root / "out"))
    (problem,) = result.diagnostics.sorted()
    assert (problem.rule, problem.line) == ("BP204", 49)
    assert "share its RecurringJob name with the snapshot-cleanup job" in problem.message


JOBS = """\
apiVersion: longhorn.io/v1beta2
kind: RecurringJob
metadata: {{name: {name}, namespace: longhorn-system}}
spec: {{name: {name}, task: {task}, cron: "{cron}", retain: {retain}, concurrency: 1,
  groups: [default]}}
"""


def test_import_takes_tuxpeoples_job_set_as_tiers_and_chores(tmp_path: Path) -> None:
    """tuxpeople's RecurringJobs on a Longhorn PVC of the default group: two backup tiers,
    the trim and cleanup chores; its snapshot-delete has no place in the format."""
    tree = tmp_path / "tree"
    shutil.copytree(CASES / "base" / "out", tree)
    (tree / "kubernetes/apps/apps/web/pvc.yaml").write_text(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: web-data\n"
        "spec:\n  storageClassName: longhorn\n  accessModes: [ReadWriteOnce]\n"
        "  resources:\n    requests:\n      storage: 1Gi\n"
    )
    jobs = [
        ("hourly-backup", "backup", "15 * * * *", 6),
        ("daily-backup", "backup", "45 0 * * *", 7),
        ("daily-trim", "filesystem-trim", "45 22 * * *", 1),
        ("daily-cleanup", "snapshot-cleanup", "45 4 * * *", 1),
        ("daily-delete", "snapshot-delete", "45 3 * * *", 1),
    ]
    folder = tree / "kubernetes/apps/storage/longhorn-jobs"
    folder.mkdir(parents=True)
    for name, task, cron_text, retain in jobs:
        text = JOBS.format(name=name, task=task, cron=cron_text, retain=retain)
        (folder / f"{name}.yaml").write_text(text)
    part = importer.import_existing(read_tree(tree, "."))
    [copy] = part.copies
    assert (copy.item, copy.method, copy.gap) == ("pvc/web-data", "longhorn-backup", 3600)
    assert copy.block == {
        "target": "longhorn-default",
        "backup": [
            {"schedule": "15 * * * *", "retain": 6},
            {"tier": "daily", "schedule": "45 0 * * *", "retain": 7},
        ],
        "filesystemTrim": {"schedule": "45 22 * * *"},
        "snapshotCleanup": {"schedule": "45 4 * * *"},
        "concurrency": 1,
    }
    assert [n.message for n in part.unmapped] == [
        "RecurringJob daily-delete: task snapshot-delete has no place in the policy format"
    ]
