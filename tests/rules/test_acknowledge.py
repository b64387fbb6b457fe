"""Acknowledgements: a known problem accepted with a reason is listed only by --verbose."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.conftest import REPO, RunCli
from tests.test_cases import materialise

CASE = REPO / "tests" / "cases" / "valid" / "sqlite-on-emptydir"
WEB = "policies/services/web.yaml"
WARNING = "policies/services/web.yaml:25:15: warning [BP315]"


def _repo(tmp_path: Path, ack: str = "", where: str = "service") -> Path:
    root = materialise(CASE, tmp_path)
    if where == "service":
        path = root / WEB
        path.write_text(path.read_text() + f"  acknowledge:\n{ack}")
    else:
        path = root / "policies/cluster.yaml"
        text = path.read_text()
        anchor = "    important:\n" if where == "class" else "  classes:\n"
        indent = "      " if where == "class" else "  "
        block = f"{indent}acknowledge:\n" + "".join(
            f"{indent}{line}\n" for line in ack.splitlines()
        )
        path.write_text(
            text.replace(anchor, anchor + block if where == "class" else block + anchor)
        )
    return root


ITEM = "    - {id: BP315, item: cache, reason: sessions are cheap, until: 2027-03-01}\n"


def test_an_acknowledged_warning_is_not_reported(tmp_path: Path, run_cli: RunCli) -> None:
    repo = _repo(tmp_path, ITEM)
    result = run_cli("validate", "--today", "2026-12-06", cwd=repo)
    assert result.exit_code == 0 and WARNING not in result.output
    verbose = run_cli("validate", "-v", "--today", "2026-12-06", cwd=repo)
    assert "acknowledged until 2027-03-01 in policies/services/web.yaml" in verbose.output
    assert "(sessions are cheap)" in verbose.output


def test_an_expired_acknowledgement_brings_the_warning_back(
    tmp_path: Path, run_cli: RunCli
) -> None:
    repo = _repo(tmp_path, ITEM)
    result = run_cli("validate", "--today", "2027-03-02", cwd=repo)
    assert WARNING in result.output
    assert "warning [BP324] the acknowledgement of BP315 expired on 2027-03-01" in result.output


def test_another_item_is_not_acknowledged(tmp_path: Path, run_cli: RunCli) -> None:
    repo = _repo(tmp_path, ITEM.replace("item: cache", "item: data"))
    assert WARNING in run_cli("validate", "--today", "2026-12-06", cwd=repo).output


def test_strict_makes_remaining_warnings_fail(tmp_path: Path, run_cli: RunCli) -> None:
    repo = materialise(CASE, tmp_path)
    assert run_cli("validate", cwd=repo).exit_code == 0
    assert run_cli("validate", "--strict", cwd=repo).exit_code == 1


def test_class_and_cluster_acknowledgements(tmp_path: Path, run_cli: RunCli) -> None:
    entry = "- {id: BP315, reason: every emptyDir DB here is a cache}"
    for where in ("class", "cluster"):
        repo = _repo(tmp_path / where, entry, where)
        assert WARNING not in run_cli("validate", cwd=repo).output, where
    other = _repo(tmp_path / "other", entry, "class")
    web = other / WEB
    web.write_text(web.read_text().replace("classification: important", "classification: critical"))
    assert WARNING in run_cli("validate", cwd=other).output  # the class is not web's any more


def test_what_cannot_be_acknowledged(tmp_path: Path, run_cli: RunCli) -> None:
    repo = _repo(
        tmp_path,
        "    - {id: BP101, reason: duplicates are fine}\n    - {id: BP999, reason: x}\n",
    )
    result = run_cli("validate", cwd=repo)
    assert result.exit_code == 1
    assert "error [BP324] BP101 (duplicate-key) is a reading or output check" in result.output
    assert "error [BP324] no rule BP999" in result.output


def test_a_weakening_diff_can_be_acknowledged(tmp_path: Path, run_cli: RunCli) -> None:
    repo = materialise(CASE, tmp_path)
    shutil.rmtree(repo / "out" / "kubernetes" / "apps" / "apps" / "web" / "backup", True)
    assert run_cli("compile", cwd=repo).exit_code == 0
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=repo, check=True)
    web = repo / WEB
    web.write_text(
        web.read_text().replace("  storage: longhorn\n", "  storage: longhorn\n  methods: [k8up]\n")
    )
    weakened = run_cli("diff", "--base", "HEAD", cwd=repo)
    assert weakened.exit_code == 1 and "error [BP500]" in weakened.output
    web.write_text(
        web.read_text()
        + "  acknowledge:\n    - {id: BP500, reason: 'Longhorn goes, K8up stays'}\n"
        + "    - {id: BP315, item: cache, reason: a cache}\n"
    )
    assert run_cli("diff", "--base", "HEAD", cwd=repo).exit_code == 0
