"""The real pre-commit runs this repository's hooks (.pre-commit-hooks.yaml) on a user repo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_tool

REPO = Path(__file__).resolve().parent.parent


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def user_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_tool("git", shutil.which("git") is not None)
    require_tool("pre-commit", shutil.which("pre-commit") is not None)
    root = tmp_path_factory.mktemp("user-repo")
    shutil.copytree(REPO / "policies", root / "policies")
    shutil.copytree(REPO / "out", root / "out")
    git("init", "-q", cwd=root)
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "add", "-A", cwd=root)
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "x", cwd=root)
    return root


def try_repo(root: Path, hook: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(root.parent / "pre-commit-home")}
    env.pop("PRE_COMMIT", None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(REPO),
            hook,
            "--all-files",
            "--color",
            "never",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_hooks_pass_on_a_clean_repo_and_fail_on_a_bad_policy(user_repo: Path) -> None:
    done = try_repo(user_repo, "backup-policy-validate")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "backup-policy validate" in done.stdout and "Passed" in done.stdout
    assert try_repo(user_repo, "backup-policy-check").returncode == 0

    policy = user_repo / "policies/services/n8n.yaml"
    original = policy.read_text()
    policy.write_text(original.replace("classification: critical", "classification: critcal"))
    done = try_repo(user_repo, "backup-policy-validate")
    assert done.returncode == 1
    assert "policies/services/n8n.yaml:8:19: error [BP203]" in done.stdout
    policy.write_text(original)

    generated = user_repo / "out/kubernetes/apps/automation/n8n/backup/k8up-schedule.yaml"
    generated.write_text(generated.read_text().replace("bp-n8n", "edited"))
    done = try_repo(user_repo, "backup-policy-check")
    assert done.returncode == 1 and "+  name: bp-n8n" in done.stdout
