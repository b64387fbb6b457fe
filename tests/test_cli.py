"""The CLI contract (SPEC §6) on a private copy of the example homelab."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest

from compiler.cli import runner
from compiler.commands.schema import SCHEMA_FILES
from tests.conftest import RunCli, require_tool
from tests.support.documents import documented, shape
from tests.support.files import is_generated

GENERATED = "out/kubernetes/apps/productivity/paperless/backup/k8up-schedule.yaml"


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_committed_out_is_a_fresh_compile(repo: Path, run_cli: RunCli) -> None:
    result = run_cli("check", cwd=repo)
    assert result.exit_code == 0, result.output


def test_compile_twice_is_stable_and_writes_nothing_new(example: Path, run_cli: RunCli) -> None:
    before = tree_digest(example / "out")
    result = run_cli("compile", cwd=example)
    assert result.exit_code == 0, result.output
    assert "0 written" in result.output and "0 removed" in result.output
    assert tree_digest(example / "out") == before


@pytest.mark.parametrize("seeds", [("0", "12345")])
def test_output_is_byte_identical_across_hash_seeds(
    repo: Path, tmp_path: Path, seeds: tuple[str, str]
) -> None:
    digests = []
    shutil.copytree(repo / "policies", tmp_path / "policies")
    for seed in seeds:
        target = tmp_path / f"out-{seed}"  # inside the copy's repository (tmp_path)
        shutil.copytree(repo / "out", target)
        for generated in target.rglob("*"):
            if generated.is_file() and is_generated(generated):
                generated.unlink()  # compile from scratch, keep the hand-written app files
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(repo)}
        done = subprocess.run(
            [sys.executable, "-m", "compiler", "compile", "-o", str(target)],
            cwd=tmp_path,
            env=env,
            check=False,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        digests.append(tree_digest(target))
    assert digests[0] == digests[1] == tree_digest(repo / "out")


def test_check_reports_drift_with_a_diff_then_passes_after_compile(
    example: Path, run_cli: RunCli
) -> None:
    edited = example / GENERATED
    edited.write_text(edited.read_text().replace("name: bp-paperless", "name: hand-edited"))
    result = run_cli("check", cwd=example)
    assert result.exit_code == 1
    assert f"--- a/{GENERATED}" in result.output and "+  name: bp-paperless" in result.output
    assert run_cli("compile", cwd=example).exit_code == 0
    assert run_cli("check", cwd=example).exit_code == 0


def test_check_writes_nothing(example: Path, run_cli: RunCli) -> None:
    (example / GENERATED).unlink()
    before = tree_digest(example / "out")
    assert run_cli("check", cwd=example).exit_code == 1
    assert tree_digest(example / "out") == before


def test_compile_refuses_to_overwrite_a_hand_written_file(example: Path, run_cli: RunCli) -> None:
    (example / GENERATED).write_text("# my own schedule\nkind: Schedule\n")
    other = example / "out/kubernetes/apps/storage/velero/schedules/bp-productivity.yaml"
    other.write_text(other.read_text() + "# drift\n")
    before = tree_digest(example / "out")
    result = run_cli("compile", cwd=example)
    assert result.exit_code == 1
    assert f"{GENERATED}:1:1: error [BP401]" in result.output
    assert tree_digest(example / "out") == before  # not even the other drifted file


def test_errors_found_against_the_tree_write_nothing(example: Path, run_cli: RunCli) -> None:
    """BP405 and the Litestream tree checks run after the compare: still nothing is written."""
    policy = example / "policies/services/python-ipam.yaml"
    policy.write_text(policy.read_text().replace("claim: python-ipam-data", "claim: ipam"))
    schedule = example / "out/kubernetes/apps/network/python-ipam/backup/k8up-schedule.yaml"
    schedule.unlink()
    before = tree_digest(example / "out")
    result = run_cli("compile", cwd=example)
    assert result.exit_code == 1
    assert "policies/services/python-ipam.yaml:18:14: error [BP405]" in result.output
    assert "Traceback" not in result.output
    assert tree_digest(example / "out") == before and not schedule.exists()


def test_removed_policy_removes_only_its_generated_files(example: Path, run_cli: RunCli) -> None:
    (example / "policies/services/n8n.yaml").unlink()
    text = (example / "policies/restore-tests.yaml").read_text()
    (example / "policies/restore-tests.yaml").write_text(
        text.replace(", automation/n8n", "").replace("automation, ", "")
    )
    app = example / "out/kubernetes/apps/automation/n8n"
    before = tree_digest(example / "out")
    refused = run_cli("compile", cwd=example)  # the app still lists the Component
    assert refused.exit_code == 1 and "[BP409]" in refused.output
    assert tree_digest(example / "out") == before
    result = run_cli("compile", "--fix", cwd=example)
    assert result.exit_code == 0, result.output
    assert "backup" not in (app / "kustomization.yaml").read_text()
    assert not (app / "backup").exists()
    assert sorted(p.name for p in app.iterdir()) == [
        "kustomization.yaml",
        "pvc.yaml",
        "service.yaml",
        "statefulset.yaml",
    ]


def test_bad_policy_writes_nothing_and_reports_position(example: Path, run_cli: RunCli) -> None:
    policy = example / "policies/services/paperless.yaml"
    policy.write_text(policy.read_text().replace("storage: longhorn", "storage: longhrn"))
    (example / GENERATED).unlink()
    before = tree_digest(example / "out")
    result = run_cli("compile", cwd=example)
    assert result.exit_code == 1
    assert "policies/services/paperless.yaml:10:12: error [BP203]" in result.output
    assert "did you mean 'longhorn'?" in result.output
    assert "Traceback" not in result.output
    assert tree_digest(example / "out") == before


def test_missing_component_reference_is_detected_and_fixed(example: Path, run_cli: RunCli) -> None:
    kustomization = example / "out/kubernetes/apps/media/overseerr/app/kustomization.yaml"
    original = kustomization.read_text()
    kustomization.write_text(original.replace("components:\n  - ../backup\n", "") + "# keep me\n")
    result = run_cli("check", cwd=example)
    assert result.exit_code == 1 and "[BP402]" in result.output
    result = run_cli("compile", "--fix", cwd=example)
    assert result.exit_code == 0, result.output
    fixed = kustomization.read_text()
    assert "# keep me" in fixed and "- ../backup" in fixed
    assert run_cli("check", cwd=example).exit_code == 0


RUNS = {  # a command line of each command with its own JSON fields (diff: tests/test_diff.py)
    "check": "check",
    "compile": "compile",
    "coverage": "coverage",
    "explain": "explain n8n",
    "drill": "drill BT-LS-01",
    "velero": "velero pre-upgrade k8s-1-33",
    "record": "record BT-LS-01 --result passed --duration 12m --owner platform",
}


def test_json_and_github_formats(example: Path, run_cli: RunCli) -> None:
    policy = example / "policies/services/n8n.yaml"
    policy.write_text(policy.read_text().replace("owner:", "ownr:"))
    result = run_cli("validate", "--format", "json", cwd=example)
    assert result.exit_code == 1
    problems = json.loads(result.output)["diagnostics"]
    assert {(p["file"], p["line"], p["col"], p["rule"]) for p in problems} == {
        ("policies/services/n8n.yaml", 7, 1, "BP201"),  # owner is missing from spec
        ("policies/services/n8n.yaml", 9, 3, "BP200"),  # ... because it is spelled ownr
    }
    failing = {
        command: json.loads(run_cli(*line.split(), "--format", "json", cwd=example).stdout)
        for command, line in RUNS.items()
    }
    for command, document in failing.items():  # every field, even when stopped
        assert document["exitCode"] == 1 and document["summary"]["errors"] == 2, command
        assert shape(document) == documented(command), command
    for command in ("check", "compile"):
        assert failing[command]["summary"]["services"] == 0, command  # the model was not built
    assert failing["compile"]["summary"]["written"] == 0 and failing["compile"]["written"] == []
    assert failing["coverage"]["items"] == [] and set(failing["coverage"]["totals"].values()) == {0}
    assert failing["explain"]["services"] == []
    drilled = failing["drill"]["drill"]
    assert (drilled["test"], drilled["files"], drilled["checklist"]) == (None, [], [])
    assert failing["drill"]["summary"]["files"] == 0
    assert failing["velero"]["backup"]["command"] is None
    assert failing["record"]["recorded"]["file"] is None
    result = run_cli("validate", "--format", "github", cwd=example)
    assert result.output.startswith("::error file=policies/services/n8n.yaml,line=")
    assert "title=BP" in result.output


def test_usage_error_exits_2(repo: Path, run_cli: RunCli) -> None:
    assert run_cli("compile", "--no-such-option", cwd=repo).exit_code == 2
    assert run_cli("explain", "no-such-service", cwd=repo).exit_code == 2
    for command in ("validate", "check", "compile", "explain x", "diff --base HEAD"):
        missing = run_cli(*command.split(), "-p", "nope", cwd=repo)
        assert missing.exit_code == 2 and "no policy folder at nope" in missing.output, command


USAGE_ERRORS = {  # command line -> what it says
    "validate -p nope": "no policy folder at nope",
    "check -p nope": "no policy folder at nope",
    "compile -p nope": "no policy folder at nope",
    "coverage -p nope": "no policy folder at nope: name the tree with --output",
    "diff --base no-such-ref": "git cannot read 'no-such-ref'",
    "explain no-such-service": "unknown service 'no-such-service'",
    "drill NO-SUCH-TEST": "unknown restore test 'NO-SUCH-TEST'",
}


@pytest.mark.parametrize("command", USAGE_ERRORS)
def test_a_usage_error_is_still_one_document_in_each_machine_format(
    command: str, example: Path, run_cli: RunCli
) -> None:
    """A script that asked for JSON or SARIF parses what it gets even when it called the
    tool wrongly; the message is on stderr as well, for the log."""
    said = USAGE_ERRORS[command]
    name = command.split()[0]
    document = json.loads(
        (done := run_cli(*command.split(), "--format", "json", cwd=example)).stdout
    )
    assert done.exit_code == document["exitCode"] == 2 and document["command"] == name
    assert said in document["error"] and said in done.stderr
    log = json.loads(run_cli(*command.split(), "--format", "sarif", cwd=example).stdout)
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert said in invocation["toolExecutionNotifications"][0]["message"]["text"]
    github = run_cli(*command.split(), "--format", "github", cwd=example).stdout
    assert github.startswith(f"::error title=backup-policy {name}::") and said in github
    assert run_cli(*command.split(), cwd=example).stdout == ""  # text: stderr only


def test_every_command_prints_one_json_document(example: Path, run_cli: RunCli) -> None:
    for command in ("validate", "explain paperless", *RUNS.values()):
        result = run_cli(*command.split(), "--format", "json", cwd=example)
        document = json.loads(result.stdout)  # one document, nothing else on stdout
        name = document["command"]
        assert name == command.split()[0]
        assert document["exitCode"] == result.exit_code == 0, command
        assert {"schemaVersion", "diagnostics", "summary"} <= document.keys()
        if name in RUNS:
            assert shape(document) == documented(name), command
    explained = json.loads(run_cli("explain", "n8n", "--format", "json", cwd=example).output)
    assert explained["services"][0]["items"][0]["item"] == "pvc/n8n-data"


def test_drift_is_annotated_at_the_first_changed_line(example: Path, run_cli: RunCli) -> None:
    edited = example / GENERATED
    lines = edited.read_text().splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, 1) if "name: bp-paperless" in line)
    edited.write_text("".join(lines).replace("name: bp-paperless", "name: hand-edited"))
    document = json.loads(run_cli("check", "--format", "json", cwd=example).output)
    assert document["exitCode"] == 1
    errors = [d for d in document["diagnostics"] if d["level"] == "error"]
    assert [(d["file"], d["line"], d["rule"]) for d in errors] == [
        (f"out/{GENERATED.removeprefix('out/')}", number, "BP400")
    ]
    github = run_cli("check", "--format", "github", cwd=example).output
    assert (
        f"::error file=out/{GENERATED.removeprefix('out/')},line={number},col=1,title=BP400::"
        in github
    )


def test_github_actions_selects_the_github_format(
    example: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = example / "policies/services/n8n.yaml"
    policy.write_text(policy.read_text().replace("owner:", "ownr:"))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert run_cli("validate", cwd=example).output.startswith("::error file=")
    assert run_cli("validate", "--format", "text", cwd=example).output.startswith("policies/")


def test_internal_error_exits_3_without_traceback(
    example: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import compiler.commands.build as run_module

    def broken(config: object) -> None:
        raise RuntimeError("stage exploded")

    monkeypatch.setattr(run_module, "build", broken)
    result = run_cli("compile", cwd=example)
    assert result.exit_code == 3
    assert "internal error: RuntimeError: stage exploded" in result.output
    assert "Traceback" not in result.output
    machine = run_cli("compile", "--format", "json", cwd=example)
    document = json.loads(machine.stdout)  # still the one document JSON promises
    assert machine.exit_code == document["exitCode"] == 3
    assert document["error"] == "internal error: RuntimeError: stage exploded"


def _written_to(stdout: int, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [sys.executable, "-m", "compiler", *args],
        cwd=cwd,
        env=env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("args", [["rules"], ["validate", "--format", "json"], ["schema"]])
def test_output_that_cannot_be_written_exits_3_with_one_line(args: list[str], repo: Path) -> None:
    """``> /dev/full``: every write fails with ENOSPC. A short message and exit 3 (an
    internal error, docs/formats.md), never a traceback."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "w") as full:
        done = _written_to(full.fileno(), args, repo)
    assert done.returncode == 3
    assert done.stderr == "backup-policy: cannot write the output: No space left on device\n"


def test_a_closed_pipe_ends_the_run_quietly(repo: Path) -> None:
    """``| head``: the reader went away. No message (it would be noise), exit 1."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = _written_to(write, ["schema"], repo)
    finally:
        os.close(write)
    assert done.returncode == 1 and done.stderr == ""


def test_validate_is_quiet_without_errors_or_warnings(tmp_path: Path, run_cli: RunCli) -> None:
    base = Path(__file__).parent / "cases" / "base"
    result = run_cli("validate", "-p", str(base / "policies"), cwd=tmp_path)
    assert result.exit_code == 0 and result.output == ""


def _warning_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if ": warning [BP" in line]


def test_quiet_keeps_the_warnings_that_strict_fails_the_run_on(
    example: Path, run_cli: RunCli
) -> None:
    """``-q`` keeps what fails the run: under ``--strict`` that is the warnings too, else a
    failing run would say nothing at all."""
    warnings = _warning_lines(run_cli("validate", cwd=example).stdout)
    assert warnings  # the example has warnings (BP315, BP351) and no error
    quiet = run_cli("validate", "-q", cwd=example)
    assert quiet.exit_code == 0 and quiet.output == ""
    for command in ("validate", "check", "compile"):
        strict = run_cli(command, "--strict", "-q", cwd=example)
        assert strict.exit_code == 1, command
        assert _warning_lines(strict.stdout) == warnings, command
    compiled = run_cli("compile", "--strict", "-q", cwd=example)
    assert compiled.stderr == "nothing written: fix the warnings (--strict) above\n"


def test_schema_command_matches_committed_schemas(repo: Path, run_cli: RunCli) -> None:
    """schemas/ is `backup-policy schema [--kind KIND]`: regenerate it when a model changes."""
    assert run_cli("schema", cwd=repo).output == (repo / "schemas/policy.json").read_text()
    for kind, name in SCHEMA_FILES.items():
        committed = (repo / "schemas" / name).read_text()
        assert run_cli("schema", "--kind", kind, cwd=repo).output == committed, name


def test_explain_shows_effective_protection(repo: Path, run_cli: RunCli) -> None:
    result = run_cli("explain", "paperless", cwd=repo)
    assert result.exit_code == 0
    assert "pvc/paperless-data: effective RPO 1h meets 1h" in result.output
    assert "longhorn-snapshot -> nas (local copy)" in result.output


def test_explain_shows_only_the_services_own_warnings(repo: Path, run_cli: RunCli) -> None:
    linkding = run_cli("explain", "linkding", cwd=repo).output
    assert "linkding.yaml:23:15: warning [BP315]" in linkding
    assert "spoolman.yaml" not in linkding
    assert "BP315" not in run_cli("explain", "n8n", cwd=repo).output


def test_explain_of_an_unknown_service_names_the_known_ones(repo: Path, run_cli: RunCli) -> None:
    assert "did you mean 'linkding'?" in run_cli("explain", "linkdin", cwd=repo).output
    unknown = run_cli("explain", "zzz", cwd=repo).output
    assert "known services: automation/n8n, media/audiobookshelf, media/jellyfin" in unknown


def _in_terminal(command: str, cwd: Path, env: dict[str, str]) -> str:
    """Run under a pseudo-terminal (util-linux `script`) as a person at a shell would."""
    require_tool("script", shutil.which("script") is not None)
    done = subprocess.run(
        ["script", "-qec", command, "/dev/null"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout


def test_colour_only_on_a_terminal_and_never_with_no_color(repo: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "CI"}}
    policy = "python -m compiler validate -p tests/cases/invalid/unknown-key/policies"
    shown = _in_terminal(policy, repo, env)
    assert "\x1b[31merror\x1b[0m [BP" in shown  # red level on a terminal
    assert "backup-policy: load done" not in shown  # a fast run shows no progress
    quiet = _in_terminal(policy, repo, {**env, "NO_COLOR": "1"})
    assert "\x1b[" not in quiet and "error [BP" in quiet
    empty = _in_terminal(policy, repo, {**env, "NO_COLOR": ""})  # set but empty: no effect
    assert "\x1b[31merror\x1b[0m [BP" in empty
    piped = subprocess.run(
        [
            sys.executable,
            "-m",
            "compiler",
            "validate",
            "-p",
            "tests/cases/invalid/unknown-key/policies",
        ],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
    )
    assert "\x1b[" not in piped.stdout + piped.stderr


def test_progress_appears_only_after_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    shown: list[str] = []
    monkeypatch.setattr(click, "echo", lambda text, **_: shown.append(text))
    progress = runner.Progress()
    progress("load done")
    assert shown == [] and not progress.shown
    clock[0] += 1.5
    progress("tree done")
    assert shown == ["\r\x1b[2Kbackup-policy: tree done"] and progress.shown


EXIT_NOW = """
import sys
from compiler.cli.runner import exit_now
sys.stdout.write("x" * 1_000_000)  # more than a pipe holds: written out before the exit
print("to stderr", file=sys.stderr, end="")
exit_now(eval(sys.argv[1]))
"""


@pytest.mark.parametrize(
    ("code", "status", "message"), [("None", 0, ""), ("4", 4, ""), ("'why'", 1, "why\n")]
)
def test_the_cli_exits_with_its_code_and_all_its_output(
    code: str, status: int, message: str
) -> None:
    """``main`` ends with os._exit (no heap tear-down): the output is flushed first, and the
    code is what ``SystemExit`` would give."""
    done = subprocess.run(
        [sys.executable, "-c", EXIT_NOW, code], capture_output=True, text=True, check=False
    )
    assert done.returncode == status
    assert done.stdout == "x" * 1_000_000
    assert done.stderr == "to stderr" + message


def test_under_a_profiler_the_exit_is_pythons_own(tmp_path: Path, repo: Path) -> None:
    """``python -m cProfile -o FILE -m compiler`` still writes its FILE: a profiler (or
    coverage) saves at exit, which ``os._exit`` would skip."""
    stats = tmp_path / "validate.prof"
    done = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(stats), "-m", "compiler", "validate"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert stats.stat().st_size > 0
