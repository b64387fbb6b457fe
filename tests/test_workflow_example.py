"""The example GitHub Actions workflow users copy (docs/examples/github-workflow.yaml).

actionlint checks it (syntax, expressions, action inputs, and its shell steps with shellcheck
when that is installed); the commands it runs are this CLI's, with flags that exist.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

from click.testing import CliRunner
from ruamel.yaml import YAML

from compiler.cli.main import cli
from tests.conftest import require_tool

REPO = Path(__file__).resolve().parent.parent
WORKFLOW = REPO / "docs/examples/github-workflow.yaml"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")


def _workflow() -> dict[str, object]:
    return dict(YAML(typ="safe", pure=True).load(WORKFLOW.read_text(encoding="utf-8")))


def _steps() -> list[dict[str, str]]:
    jobs = _workflow()["jobs"]
    assert isinstance(jobs, dict)
    return [step for job in jobs.values() for step in job["steps"]]


def test_actionlint_accepts_the_example_workflow() -> None:
    binary = shutil.which("actionlint")
    require_tool("actionlint (pip install -e '.[test]')", binary is not None)
    assert binary is not None
    done = subprocess.run(
        [binary, "-no-color", str(WORKFLOW)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_action_is_pinned_to_a_commit_with_its_version() -> None:
    lines = WORKFLOW.read_text(encoding="utf-8").splitlines()
    uses = [line.split("uses:", 1)[1].strip() for line in lines if "uses:" in line]
    assert uses
    for use in uses:
        assert PINNED.match(use), use


def test_the_jobs_run_the_cli_with_its_own_flags() -> None:
    """Each ``backup-policy ...`` line parses with the real CLI (``--help`` of its command)."""
    commands = [
        shlex.split(line.strip().split(">", 1)[0].rstrip("\\ "))
        for step in _steps()
        for line in step.get("run", "").splitlines()
        if line.strip().startswith("backup-policy ")
    ]
    formats = {c[c.index("--format") + 1] for c in commands}
    assert formats == {"github", "markdown", "sarif"}
    runner = CliRunner()
    for command in commands:
        result = runner.invoke(cli, [*command[1:], "--help"])
        assert result.exit_code == 0, (command, result.output)
        for flag in (a for a in command if a.startswith("--")):
            assert flag in result.output, (command, flag)


def test_the_workflow_installs_the_release_the_readme_pins() -> None:
    with (REPO / "pyproject.toml").open("rb") as handle:
        version = tomllib.load(handle)["project"]["version"]
    env = _workflow()["env"]
    assert isinstance(env, dict)
    assert str(env["BACKUP_POLICY"]).endswith(f"/backup-policy@v{version}")
