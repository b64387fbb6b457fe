"""`backup-policy drill`: where it writes (all or nothing, below the output root, never over a
hand-written file), that check leaves the drills alone, and what the CLI prints."""

from __future__ import annotations

import json
from pathlib import Path

from compiler.config import RunConfig
from compiler.pipeline.build import build
from compiler.pipeline.validate import validate
from tests.conftest import RunCli
from tests.drill.helpers import copy_example, run_drill
from tests.support.documents import documented, shape

FOLDER = "restore-drills/2026-12-06-BT-LH-01"


def _set_drills_folder(root: Path, folder: str) -> None:
    cluster = root / "policies/cluster.yaml"
    text = cluster.read_text()
    cluster.write_text(text.replace("    root: out\n", f"    root: out\n    drills: {folder}\n", 1))


def _drill_paths(paths: list[str], folder: str) -> list[str]:
    return [p for p in paths if p.startswith(folder)]


def test_check_does_not_report_the_drills(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    assert run_drill(root, "BT-LH-01").files
    changes = build(RunConfig(policies=root / "policies", output=root / "out")).changes
    assert changes is not None
    assert _drill_paths([*changes.deletes, *changes.writes], "restore-drills/") == []


def test_check_does_not_report_drills_in_a_scanned_folder(tmp_path: Path) -> None:
    """docs/ is where compile looks for stale generated files: drills there are kept."""
    root = copy_example(tmp_path)
    _set_drills_folder(root, "docs/drills")
    result = run_drill(root, "BT-LH-01")
    assert result.files and all(f.startswith("docs/drills/") for f in result.files)
    changes = build(RunConfig(policies=root / "policies", output=root / "out")).changes
    assert changes is not None
    assert _drill_paths([*changes.deletes, *changes.writes], "docs/drills/") == []


def test_a_drills_folder_flux_would_apply_is_refused(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    _set_drills_folder(root, "kubernetes/drills")
    problems = validate(RunConfig(policies=root / "policies")).diagnostics.sorted()
    assert any(
        d.file == "policies/cluster.yaml" and "where Flux would apply" in d.message
        for d in problems
    ), problems


def test_a_second_run_rewrites_nothing_and_removes_what_it_no_longer_makes(
    tmp_path: Path,
) -> None:
    root = copy_example(tmp_path)
    first = run_drill(root, "BT-LH-01")
    folder = root / "out" / FOLDER
    stale = folder / "longhorn/old-claim-1-snapshot.yaml"
    stale.write_text((folder / first.files[0].removeprefix(FOLDER + "/")).read_text())
    times = {p: p.stat().st_mtime_ns for p in folder.rglob("*.yaml") if p != stale}
    second = run_drill(root, "BT-LH-01")
    assert second.files == first.files and not second.problems
    assert not stale.exists()
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*.yaml")} == times


def test_a_hand_written_file_in_the_way_stops_the_drill(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    mine = root / "out" / FOLDER / "namespaces.yaml"
    mine.parent.mkdir(parents=True)
    mine.write_text("# my notes\n")
    result = run_drill(root, "BT-LH-01")
    assert [(d.rule, d.file) for d in result.problems] == [
        ("BP401", f"out/{FOLDER}/namespaces.yaml")
    ]
    assert mine.read_text() == "# my notes\n"
    assert sorted(p.name for p in mine.parent.rglob("*")) == ["namespaces.yaml"]


def test_a_drill_that_writes_nothing_reports_no_files_and_no_checklist(
    example: Path, run_cli: RunCli
) -> None:
    """Every documented field, also when the files could not be written: the test and its
    folder as reached, but no files and no checklist of files that are not there."""
    mine = example / "out" / FOLDER / "namespaces.yaml"
    mine.parent.mkdir(parents=True)
    mine.write_text("# my notes\n")
    arguments = ("drill", "BT-LH-01", "--date", "2026-12-06", "--format", "json")
    document = json.loads((done := run_cli(*arguments, cwd=example)).stdout)
    assert document["exitCode"] == done.exit_code == 1
    assert shape(document) == documented("drill")
    assert document["drill"] == {
        "test": "BT-LH-01",
        "type": "longhorn-snapshot",
        "date": "2026-12-06",
        "folder": f"out/{FOLDER}",
        "files": [],
        "checklist": [],
    }
    assert document["summary"]["files"] == 0


def test_the_cli_prints_the_checklist(example: Path, run_cli: RunCli) -> None:
    result = run_cli("drill", "BT-LH-01", "--date", "2026-12-06", cwd=example)
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"manifests: out/{FOLDER}/" in out
    for section in ("\nBefore\n", "\nRun (Durchführung)\n", "\nAfter\n"):
        assert section in out
    assert "  [ ] 1. Silence the alerts of " in out
    assert f"kubectl apply -f out/{FOLDER}/namespaces.yaml" in out
    assert "backup-policy record BT-LH-01 --date 2026-12-06 --result passed" in out
    assert (example / "out" / FOLDER / "longhorn/volumesnapshotclasses.yaml").is_file()


def test_a_service_the_tool_does_not_copy_is_named_not_restored(
    example: Path, run_cli: RunCli
) -> None:
    """BT-K8-01's scope is the media namespace; jellyfin there is backed up by VolSync only."""
    result = run_cli("drill", "BT-K8-01", "--date", "2026-12-06", cwd=example)
    assert result.exit_code == 0, result.output
    assert "Not restored (no K8up copy of a PVC): media/jellyfin\n" in result.output
    assert "media/overseerr" not in result.output.split("Not restored")[1]


def test_the_cli_prints_one_json_document(example: Path, run_cli: RunCli) -> None:
    result = run_cli("drill", "BT-LS-01", "--date", "2026-12-06", "--format", "json", cwd=example)
    document = json.loads(result.output)
    assert document["command"] == "drill" and document["exitCode"] == result.exit_code == 0
    drill = document["drill"]
    assert drill["test"] == "BT-LS-01" and drill["type"] == "litestream"
    assert "restore-drills/2026-12-06-BT-LS-01/litestream/tools-spoolman.yaml" in drill["files"]
    titles = [section["title"] for section in drill["checklist"]]
    assert titles == ["Before", "Run (Durchführung)", "After"]
    assert document["summary"]["files"] == len(drill["files"])


def test_an_unknown_test_is_a_usage_error_with_a_suggestion(example: Path, run_cli: RunCli) -> None:
    result = run_cli("drill", "BT-LH-1", cwd=example)
    assert result.exit_code == 2
    assert "unknown restore test 'BT-LH-1'. did you mean 'BT-LH-01'?" in result.output
    result = run_cli("drill", "BT-LH-1", "--format", "json", cwd=example)
    document = json.loads(result.stdout)
    assert document["exitCode"] == 2 and "did you mean 'BT-LH-01'" in document["error"]
    assert not (example / "out/restore-drills").exists()


def test_a_link_out_of_the_output_root_is_neither_read_nor_written(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    canary = tmp_path / "canary"
    canary.mkdir()
    (canary / "namespaces.yaml").write_text("# Generated by backup-policy from:\n# not mine\n")
    drills = root / "out/restore-drills"
    drills.mkdir()
    (drills / "2026-12-06-BT-LH-01").symlink_to(canary)
    result = run_drill(root, "BT-LH-01")
    assert [d.rule for d in result.problems] == ["BP407"]
    assert sorted(p.name for p in canary.iterdir()) == ["namespaces.yaml"]
    assert (canary / "namespaces.yaml").read_text().endswith("# not mine\n")
