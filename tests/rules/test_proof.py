"""The restore-test gate and the RTO evidence, judged on a given day (--today)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, RunCli

BASE = REPO / "tests" / "cases" / "base"
PLAN = "policies/restore-tests.yaml"
WEB = "policies/services/web.yaml"
# The base plan: BT-LH-01 (quarterly: three calendar months) last passed 2026-10-01, default
# grace 14d: due 2027-01-01, overdue from 2027-01-16.
LAST_DAY = "2027-01-15"
FIRST_LATE_DAY = "2027-01-16"


def _base(tmp_path: Path) -> Path:
    return Path(shutil.copytree(BASE, tmp_path / "repo"))


def _edit(root: Path, file: str, old: str, new: str) -> None:
    path = root / file
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def _found(run_cli: RunCli, root: Path, *args: str) -> tuple[int, list[str]]:
    result = run_cli("validate", *args, cwd=root)
    lines = [line for line in result.output.splitlines() if not line.startswith("    ")]
    return result.exit_code, lines


def test_a_test_is_on_time_until_its_frequency_and_grace_have_passed(
    tmp_path: Path, run_cli: RunCli
) -> None:
    root = _base(tmp_path)
    assert _found(run_cli, root, "--today", LAST_DAY) == (0, [])
    code, lines = _found(run_cli, root, "--today", FIRST_LATE_DAY)
    assert code == 0  # web is important: a warning
    assert lines == [
        f"{PLAN}:7:11: warning [BP323] restore test BT-LH-01 is overdue on {FIRST_LATE_DAY}: "
        "last passed 2026-10-01, due 2027-01-01 (quarterly, grace 14d)"
    ]


def test_an_overdue_test_of_a_critical_service_is_an_error(tmp_path: Path, run_cli: RunCli) -> None:
    root = _base(tmp_path)
    _edit(root, WEB, "classification: important", "classification: critical")
    code, lines = _found(run_cli, root, "--today", FIRST_LATE_DAY)
    assert code == 1
    assert [line.split(" [")[0] for line in lines if "BP323" in line] == [f"{PLAN}:7:11: error"]


def test_source_date_epoch_sets_the_day_like_today(tmp_path: Path) -> None:
    root = _base(tmp_path)
    late = "1800057600"  # 2027-01-16T00:00:00Z
    for epoch, expected in (("1799971200", False), (late, True)):  # 2027-01-15, 2027-01-16
        env = {**os.environ, "SOURCE_DATE_EPOCH": epoch}
        done = subprocess.run(
            [sys.executable, "-m", "compiler", "validate"],
            cwd=root, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert ("[BP323]" in done.stdout) is expected, done.stdout + done.stderr


def test_a_partial_last_run_fails_until_a_later_run_passes(tmp_path: Path, run_cli: RunCli) -> None:
    root = _base(tmp_path)
    runs = "          duration: 20m\n"
    partial = runs + "        - {date: 2026-11-01, result: partial, owner: ops}\n"
    _edit(root, PLAN, runs, partial)
    code, lines = _found(run_cli, root, "--today", "2026-12-06")
    assert code == 1
    assert lines == [
        f"{PLAN}:19:38: error [BP325] restore test BT-LH-01: the last run (2026-11-01) is partial"
    ]
    _edit(
        root, PLAN, partial, partial + "        - {date: 2026-11-20, result: passed, owner: ops}\n"
    )
    assert _found(run_cli, root, "--today", "2026-12-06") == (0, [])


def test_a_test_that_never_passed_is_overdue(tmp_path: Path, run_cli: RunCli) -> None:
    root = _base(tmp_path)
    _edit(root, PLAN, "          result: passed\n", "          result: failed\n")
    _, lines = _found(run_cli, root, "--today", "2026-12-06")
    assert [line.split("] ")[1] for line in lines] == [
        "restore test BT-LH-01 is overdue on 2026-12-06: it never passed (quarterly, grace 14d)",
        "restore test BT-LH-01: the last run (2026-10-01) is failed",
        "apps/web: RTO 1d unproven: no passing restore test covering it recorded a duration",
    ]


def test_a_service_no_test_covers_is_reported(tmp_path: Path, run_cli: RunCli) -> None:
    root = _base(tmp_path)
    _edit(root, PLAN, "services: [apps/web]", "services: []")
    _edit(root, WEB, "  restoreTests: [BT-LH-01]\n", "")
    _, lines = _found(run_cli, root, "--today", "2026-12-06")
    assert lines == [
        f"{WEB}:4:9: warning [BP326] apps/web: no restore test covers this service: its "
        "restore and its RTO are unproven"
    ]


def test_a_namespace_in_the_scope_covers_its_services(tmp_path: Path, run_cli: RunCli) -> None:
    root = _base(tmp_path)
    _edit(root, PLAN, "services: [apps/web]", "namespaces: [apps]")
    _edit(root, WEB, "  restoreTests: [BT-LH-01]\n", "")
    assert _found(run_cli, root, "--today", "2026-12-06") == (0, [])


@pytest.mark.parametrize(
    ("classification", "level", "code"), [("important", "warning", 0), ("critical", "error", 1)]
)
def test_a_restore_slower_than_the_rto(
    tmp_path: Path, run_cli: RunCli, classification: str, level: str, code: int
) -> None:
    root = _base(tmp_path)
    _edit(root, WEB, "classification: important", f"classification: {classification}")
    _edit(root, PLAN, "duration: 20m", "duration: 30h")
    found_code, lines = _found(run_cli, root, "--today", "2026-12-06")
    rto = "1d" if classification == "important" else "4h"
    assert found_code == code
    assert lines == [
        f"{WEB}:7:19: {level} [BP327] apps/web: RTO {rto} not proven: the last passing "
        "restore (BT-LH-01, 2026-10-01) took 1d6h"
    ]


def test_a_passing_run_without_duration_leaves_the_rto_unproven(
    tmp_path: Path, run_cli: RunCli
) -> None:
    root = _base(tmp_path)
    _edit(root, PLAN, "          duration: 20m\n", "")
    code, lines = _found(run_cli, root, "--today", "2026-12-06")
    assert code == 0
    assert [line.split(" [")[1][:5] for line in lines] == ["BP328"]
    assert run_cli("validate", "--strict", "--today", "2026-12-06", cwd=root).exit_code == 1


def test_explain_shows_the_standing_and_the_rto_evidence(tmp_path: Path, run_cli: RunCli) -> None:
    root = _base(tmp_path)
    late = run_cli("explain", "web", "--today", FIRST_LATE_DAY, cwd=root).output
    assert "last passed 2026-10-01 by ops, took 20m (within RTO 1d); OVERDUE since 2027-01-01" in (
        late
    )
    assert "  RTO 1d: proven by BT-LH-01 on 2026-10-01 (took 20m)" in late
    on_time = run_cli("explain", "web", "--today", LAST_DAY, cwd=root).output
    assert "next due by 2027-01-01" in on_time


def test_a_test_covers_only_the_services_its_drill_restores(
    tmp_path: Path, run_cli: RunCli
) -> None:
    """jellyfin (media) is backed up by VolSync only. Without its VolSync test, the K8up
    test of namespace media does not cover it: its drill restores no copy of jellyfin, so
    it proves neither its restore nor its RTO (the docs said "proven by BT-K8-01")."""
    root = Path(shutil.copytree(REPO, tmp_path / "repo", ignore=shutil.ignore_patterns(".git")))
    jellyfin = "policies/services/jellyfin.yaml"
    _edit(root, jellyfin, "restoreTests: [BT-VS-01, BT-DR-01]", "restoreTests: [BT-DR-01]")
    _edit(
        root, PLAN, "        services: [media/jellyfin]\n", "        services: [tools/spoolman]\n"
    )
    explained = run_cli("explain", "jellyfin", "--today", "2026-12-06", cwd=root)
    assert explained.exit_code == 0, explained.output
    assert "BT-K8-01" not in explained.output
    assert "BT-DR-01" in explained.output  # the full DR runbook restores every service
    audiobookshelf = run_cli("explain", "audiobookshelf", "--today", "2026-12-06", cwd=root)
    assert "BT-K8-01" in audiobookshelf.output  # K8up backs it up: the K8up drill restores it
