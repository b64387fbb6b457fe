"""The README's pre-commit snippet, run by the real pre-commit against a real release tag.

This repository (its work tree, committed into a temporary repository) is tagged the way a
release is (``scripts/release``); a user repository built from the example (``policies/`` and
``out/``) gets the README's ``.pre-commit-config.yaml`` with only ``repo:`` pointed at that
temporary repository, and ``git commit`` runs the hooks: a clean commit passes, a broken
policy and a hand-edited generated file are refused.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.conftest import require_tool
from tests.support.files import copy_example

REPO = Path(__file__).resolve().parent.parent
SNIPPET = re.compile(r"```yaml\n(repos:\n.*?)```", re.DOTALL)
N8N_SCHEDULE = "out/kubernetes/apps/automation/n8n/backup/k8up-schedule.yaml"


def _env(home: Path) -> dict[str, str]:
    identity = {"NAME": "t", "EMAIL": "t@example.invalid"}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(
        {f"GIT_{who}_{key}": v for who in ("AUTHOR", "COMMITTER") for key, v in identity.items()}
    )
    env["PRE_COMMIT_HOME"] = str(home)
    return env


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    done = run(["git", *args], cwd, env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def readme_snippet() -> dict[str, object]:
    """The ``.pre-commit-config.yaml`` the README tells users to write."""
    found = SNIPPET.search((REPO / "README.md").read_text(encoding="utf-8"))
    assert found, "README.md has no pre-commit snippet (```yaml block starting with repos:)"
    return dict(YAML(typ="safe", pure=True).load(found.group(1)))


def release_tag() -> str:
    with (REPO / "pyproject.toml").open("rb") as handle:
        return "v" + str(tomllib.load(handle)["project"]["version"])


def _copy_work_tree(into: Path) -> None:
    """Tracked and untracked (not ignored) files of this work tree: what a commit would hold."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file() and not source.is_symlink():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """This repository as a hook repository, tagged by ``scripts/release``; and the env."""
    require_tool("git", shutil.which("git") is not None)
    require_tool("pre-commit", shutil.which("pre-commit") is not None)
    root = tmp_path_factory.mktemp("precommit")
    env = _env(root / "pre-commit-home")
    clone = root / "backup-policy"
    clone.mkdir()
    _copy_work_tree(clone)
    git(clone, env, "init", "-q")
    git(clone, env, "add", "-A")
    git(clone, env, "commit", "-qm", "backup-policy")
    done = run([sys.executable, str(clone / "scripts/release")], clone, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == release_tag()
    return clone, env


@pytest.fixture(scope="module")
def user_repo(hooks: tuple[Path, dict[str, str]]) -> Path:
    """The example homelab with the README's hooks installed (pre-commit install)."""
    return make_user_repo(hooks, "user-repo")


def make_user_repo(hooks: tuple[Path, dict[str, str]], name: str) -> Path:
    """A copy of the example named ``name`` beside the hook repository, with the README's
    hooks installed."""
    clone, env = hooks
    root = copy_example(clone.parent / name)
    config = readme_snippet()
    repos = config["repos"]
    assert isinstance(repos, list) and len(repos) == 1
    repos[0]["repo"] = str(clone)  # only the URL changes: rev and hooks are the README's
    with (root / ".pre-commit-config.yaml").open("w", encoding="utf-8") as handle:
        YAML(typ="safe", pure=True).dump(config, handle)
    git(root, env, "init", "-q")
    done = run([sys.executable, "-m", "pre_commit", "install"], root, env)
    assert done.returncode == 0, done.stdout + done.stderr
    return root


def commit(root: Path, env: dict[str, str]) -> tuple[int, str]:
    """``git commit`` of everything: its exit code and what the hooks printed."""
    git(root, env, "add", "-A")
    done = run(["git", "commit", "-m", "change"], root, env)
    return done.returncode, done.stdout + done.stderr


def test_readme_pins_the_release_tag_of_this_version() -> None:
    config = readme_snippet()
    repos = config["repos"]
    assert isinstance(repos, list)
    assert repos[0]["rev"] == release_tag()
    hook_ids = {hook["id"] for hook in repos[0]["hooks"]}
    defined = YAML(typ="safe", pure=True).load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook_ids == {hook["id"] for hook in defined}


def test_release_refuses_a_tag_the_readme_does_not_pin(
    hooks: tuple[Path, dict[str, str]],
) -> None:
    clone, env = hooks
    done = run([sys.executable, str(clone / "scripts/release")], clone, env)
    assert done.returncode == 1 and f"tag {release_tag()} exists already" in done.stderr


def test_commits_pass_clean_and_are_refused_broken(
    user_repo: Path, hooks: tuple[Path, dict[str, str]]
) -> None:
    env = hooks[1]
    code, output = commit(user_repo, env)
    assert code == 0, output
    assert re.search(r"backup-policy validate\.+Passed", output), output
    assert re.search(r"backup-policy check\.+Passed", output), output

    policy = user_repo / "policies/services/n8n.yaml"
    original = policy.read_text()
    policy.write_text(original.replace("classification: critical", "classification: critcal"))
    code, output = commit(user_repo, env)
    assert code != 0
    assert re.search(r"backup-policy validate\.+Failed", output), output
    assert "policies/services/n8n.yaml:8:19: error [BP203]" in output
    policy.write_text(original)
    git(user_repo, env, "add", "-A")

    generated = user_repo / N8N_SCHEDULE
    generated.write_text(generated.read_text().replace("bp-n8n", "edited"))
    code, output = commit(user_repo, env)
    assert code != 0
    assert re.search(r"backup-policy check\.+Failed", output), output
    assert "+  name: bp-n8n" in output
    assert git(user_repo, env, "rev-list", "--count", "HEAD").strip() == "1"


def test_a_generated_file_deleted_or_under_another_root_is_refused(
    hooks: tuple[Path, dict[str, str]],
) -> None:
    """The check hook runs on every commit: a deletion stages no file to match, and the
    output root (here renamed ``cluster``) and its docs folder can be anywhere."""
    env = hooks[1]
    user_repo = make_user_repo(hooks, "moved-root-repo")
    code, output = commit(user_repo, env)
    assert code == 0, output
    (user_repo / "out/docs/alerts.md").unlink()
    code, output = commit(user_repo, env)
    assert code != 0 and re.search(r"backup-policy check\.+Failed", output), output
    git(user_repo, env, "reset", "-q", "--hard")

    git(user_repo, env, "mv", "out", "cluster")
    cluster = user_repo / "policies/cluster.yaml"
    cluster.write_text(cluster.read_text().replace("    root: out\n", "    root: cluster\n"))
    compiled = run([sys.executable, "-m", "compiler", "compile", "-q"], user_repo, env)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    code, output = commit(user_repo, env)
    assert code == 0, output
    page = user_repo / "cluster/docs/backups.md"
    page.write_text(page.read_text() + "edited by hand\n")
    code, output = commit(user_repo, env)
    assert code != 0 and re.search(r"backup-policy check\.+Failed", output), output
    assert "cluster/docs/backups.md" in output
