"""Longhorn filesystem-trim and snapshot-cleanup RecurringJobs: maintenance, never copies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compiler.analyse.schedule import minutes_of_week
from compiler.config import RunConfig
from compiler.core.yamlread import load_documents
from compiler.pipeline.build import BuildResult, build
from tests.support.validation.schemas import SchemaRegistry
from tests.test_cases import CASES, materialise

CASE = CASES / "valid" / "longhorn-maintenance-jobs"
FOLDER = "kubernetes/apps/storage/longhorn/recurring-jobs"


def _result(tmp_path: Path) -> BuildResult:
    root = materialise(CASE, tmp_path)
    result = build(RunConfig(policies=root / "policies", output=root / "out"))
    assert not [d for d in result.diagnostics.sorted() if d.level == "error"]
    return result


def _compiled(tmp_path: Path) -> dict[str, dict[str, Any]]:
    outputs = _result(tmp_path).outputs or {}
    jobs = {}
    for path, text in sorted(outputs.items()):
        if path.startswith(FOLDER) and Path(path).name.startswith("bp-"):
            [job] = load_documents(text)
            jobs[Path(path).stem] = job
    assert jobs
    return jobs


def test_trim_and_cleanup_are_recurring_jobs_of_the_class_group(tmp_path: Path) -> None:
    jobs = _compiled(tmp_path)
    trim = jobs["bp-important-filesystem-trim"]["spec"]
    cleanup = jobs["bp-important-snapshot-cleanup"]["spec"]
    assert trim["task"] == "filesystem-trim"
    assert cleanup["task"] == "snapshot-cleanup"
    for spec in (trim, cleanup):
        assert spec["groups"] == ["bp-important"]
        assert spec["retain"] == 0  # not used by Longhorn for these tasks
        assert "parameters" not in spec  # parameters belong to backup tasks only
        assert len(spec["name"]) <= 40
    assert cleanup["cron"] == "30 3 * * *"  # pinned: kept as written
    backup = jobs["bp-important-backup"]["spec"]["cron"]
    assert minutes_of_week(trim["cron"]).isdisjoint(minutes_of_week(backup))


def test_the_crd_accepts_them_and_refuses_an_unknown_task(
    tmp_path: Path, schema_registry: SchemaRegistry
) -> None:
    jobs = _compiled(tmp_path)
    for job in jobs.values():
        assert schema_registry.validate_object(job) == []
    wrong = {**jobs["bp-important-filesystem-trim"]}
    wrong["spec"] = {**wrong["spec"], "task": "fstrim"}
    assert schema_registry.validate_object(wrong) != []


def test_maintenance_jobs_are_not_copies(tmp_path: Path) -> None:
    result = _result(tmp_path)
    assert result.analysis is not None
    methods = {c.method for item in result.analysis.coverage for c in item.copies}
    assert methods == {"longhorn-backup", "k8up"}
    seeds = result.analysis.schedules.resolved
    assert "longhorn/important/filesystem-trim" in seeds
    assert "longhorn/important/snapshot-cleanup" in seeds
