"""The generated docs: runbook anchors, the disaster-recovery runbook, drift, ownership."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from compiler.analyse import EffectiveService
from compiler.config import RunConfig
from compiler.pipeline.build import BuildResult, build
from compiler.plan.docs.recovery import restore_order
from tests.alerts.helpers import rules_of
from tests.conftest import REPO, TODAY, RunCli
from tests.docs.helpers import anchors, compiled, docs_of, example, section, with_docs
from tests.litestream.example import copy_example

BACKUPS = "out/docs/backups.md"


def _services() -> tuple[EffectiveService, ...]:
    analysis = example().analysis
    assert analysis is not None
    return analysis.services


def test_every_alert_links_to_an_anchor_of_the_report() -> None:
    result = example()
    assert result.outputs is not None
    report = anchors(docs_of(result)["backups.md"])
    rules = rules_of(result.outputs)
    assert rules
    for rule in rules:
        url = rule["annotations"]["runbook_url"]
        page, _, anchor = url.partition("#")
        assert page == BACKUPS, url  # the path from the repository root
        assert anchor in report, url


def test_every_alert_is_listed_with_its_runbook_link() -> None:
    result = example()
    assert result.outputs is not None
    page = docs_of(result)["alerts.md"]
    for rule in rules_of(result.outputs):
        anchor = rule["annotations"]["runbook_url"].partition("#")[2]
        assert f"| `{rule['alert']}` |" in page
        assert f"(backups.md#{anchor})" in page


def test_runbook_urls_are_real_urls_when_the_docs_are_published(tmp_path: Path) -> None:
    url = "https://git.example.org/home/ops/src/branch/main/out/docs/"
    result = compiled(with_docs(tmp_path, url=url))
    assert result.outputs is not None
    for rule in rules_of(result.outputs):
        assert rule["annotations"]["runbook_url"].startswith(f"{url}backups.md#")


def test_the_folder_is_relative_to_the_output_root(tmp_path: Path) -> None:
    result = compiled(with_docs(tmp_path, folder="handbook/backups"))
    assert result.outputs is not None
    docs = docs_of(result, "handbook/backups")
    assert sorted(docs) == ["alerts.md", "backups.md", "disaster-recovery.md"]
    for rule in rules_of(result.outputs):
        assert rule["annotations"]["runbook_url"].startswith("out/handbook/backups/backups.md#")


def test_every_date_in_the_pages_comes_from_the_policies() -> None:
    """No verdict of a day: a committed page must not go stale overnight."""
    text = docs_of(example())["backups.md"]
    analysis = example().analysis
    assert analysis is not None and analysis.policies.restore_plan is not None
    recorded = {
        str(run.date)
        for test in analysis.policies.restore_plan.policy.spec.tests
        for run in test.protocol
    }
    plan = section(text, "restore-test-plan")
    due = {row.split("|")[8].strip() for row in plan.splitlines() if row.startswith("| BT-")}
    dates = set(re.findall(r"\b\d{4}-\d\d-\d\d\b", text))
    assert dates <= recorded | due, dates - recorded - due
    assert TODAY not in dates


def test_the_pages_are_the_same_on_any_day_the_gate_is_not() -> None:
    """Half a year later the tests are overdue: check fails on BP323, not on drift."""

    def on(days: int) -> BuildResult:
        today = dt.date.fromisoformat(TODAY) + dt.timedelta(days=days)
        return build(RunConfig(policies=REPO / "policies", output=REPO / "out", today=today))

    assert docs_of(on(10)) == docs_of(example())  # every test still within its period
    overdue = on(180)
    assert overdue.outputs is None
    assert "BP323" in {d.rule for d in overdue.diagnostics.items if d.level == "error"}


def test_services_are_restored_critical_first_then_by_rto() -> None:
    text = docs_of(example())["disaster-recovery.md"]
    rank = {"critical": 0, "important": 1, "best-effort": 2}
    expected = sorted(_services(), key=lambda s: (rank[s.classification], s.rto, s.key))
    assert [s.key for s in restore_order(_services())] == [s.key for s in expected]
    positions = [text.index(f'<a id="dr-{s.namespace}-{s.name}"></a>') for s in expected]
    assert positions == sorted(positions)
    for number, service in enumerate(expected, start=1):
        assert f"## {number}. {service.key}\n" in text
        assert f"| {number} | [{service.key}](#dr-{service.namespace}-{service.name}) |" in text


# What each of these tools' steps runs, per kind of data it restores.
COMMANDS = {
    "longhorn": ("### Longhorn: PVC {claim} ", "get backups.longhorn.io"),
    "k8up": ("### K8up: PVC {claim} ", "kind: Restore"),
}


def test_the_runbook_has_commands_for_every_method_of_every_service() -> None:
    text = docs_of(example())["disaster-recovery.md"]
    for service in _services():
        part = section(text, f"dr-{service.namespace}-{service.name}")
        spec = service.source.policy.spec
        for method, (heading, command) in COMMANDS.items():
            if method not in service.methods:
                continue
            for claim in (v.claim for v in spec.volumes if v.claim):
                assert heading.format(claim=claim) in part, (service.key, method, claim)
            assert command in part, (service.key, method)
        if "velero" in service.methods:
            assert f"--from-schedule bp-{service.namespace} " in part
        for db in spec.sqlite:
            assert f"### Litestream: SQLite {db.path} " in part
            assert "litestream restore -config /etc/litestream.yml -o /tmp/" in part


def test_a_hand_edited_page_is_drift_at_its_first_changed_line(
    tmp_path: Path, run_cli: RunCli
) -> None:
    root = copy_example(tmp_path)
    assert run_cli("compile", cwd=root).exit_code == 0  # fresh, whatever out/ holds
    page = root / BACKUPS
    lines = page.read_text().splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, start=1) if line.startswith("| ["))
    lines[number - 1] = lines[number - 1].replace("| yes |", "| maybe |")
    page.write_text("".join(lines))
    result = run_cli("check", cwd=root)
    assert result.exit_code == 1
    assert f"{BACKUPS}:{number}:1: error [BP400]" in result.output
    assert f"--- a/{BACKUPS}" in result.output and "+| [" in result.output
    assert run_cli("compile", cwd=root).exit_code == 0
    assert run_cli("check", cwd=root).exit_code == 0


def test_a_missing_page_is_drift_and_compile_writes_it(tmp_path: Path, run_cli: RunCli) -> None:
    root = copy_example(tmp_path)
    assert run_cli("compile", cwd=root).exit_code == 0
    (root / "out/docs/alerts.md").unlink()
    result = run_cli("check", cwd=root)
    assert result.exit_code == 1 and "out/docs/alerts.md:1:1: error [BP400]" in result.output
    assert run_cli("compile", cwd=root).exit_code == 0
    assert (root / "out/docs/alerts.md").read_text().startswith("<!-- Generated by backup-policy")


def test_a_hand_written_page_is_never_overwritten(tmp_path: Path, run_cli: RunCli) -> None:
    root = copy_example(tmp_path)
    page = root / "out/docs/disaster-recovery.md"
    page.write_text("# Our own runbook\n")
    result = run_cli("compile", cwd=root)
    assert result.exit_code == 1
    assert "out/docs/disaster-recovery.md:1:1: error [BP401]" in result.output
    assert page.read_text() == "# Our own runbook\n"


def test_pages_of_a_moved_folder_are_removed(tmp_path: Path, run_cli: RunCli) -> None:
    root = with_docs(tmp_path, folder="handbook")
    assert run_cli("compile", cwd=root).exit_code == 0
    assert (root / "out/handbook/backups.md").is_file()
    assert not (root / "out/docs").exists()
