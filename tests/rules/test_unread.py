"""BP424: a file of an app's build that the tree stage could not read is reported where it
went wrong, once, and files outside every app's build are not."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from compiler.config import RunConfig
from compiler.pipeline.build import build
from tests.conftest import RunCli

BASE = Path(__file__).resolve().parents[1] / "cases" / "base"
APP = "out/kubernetes/apps/apps/web"
PVC = f"{APP}/pvc.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copytree(BASE, tmp_path, dirs_exist_ok=True)
    return tmp_path


def _unread(root: Path) -> list[tuple[str, int, int, str]]:
    result = build(RunConfig(policies=root / "policies", output=root / "out"))
    return [
        (d.file, d.line, d.col, d.message) for d in result.diagnostics.sorted() if d.rule == "BP424"
    ]


def _prepend(path: Path, head: bytes) -> None:
    path.write_bytes(head + path.read_bytes())


def test_a_latin1_file_is_reported_at_its_first_byte_that_is_not_utf8(repo: Path) -> None:
    _prepend(repo / PVC, b"# the caf\xe9's data\n")
    [(file, line, col, message)] = _unread(repo)
    assert (file, line, col) == (PVC, 1, 10)
    assert "apps/web" in message and "not UTF-8 text" in message


def test_the_position_is_right_past_the_first_chunk_the_decoder_reads(repo: Path) -> None:
    _prepend(repo / PVC, b"# padding\n" * 2000 + b"# \xc3\xa9t\xe9\n")  # 20 kB, then Latin-1
    [(file, line, col, _)] = _unread(repo)
    assert (file, line, col) == (PVC, 2001, 5)  # "# \u00e9t" is 4 characters


def test_a_file_that_is_not_yaml_is_reported_where_the_parser_stopped(repo: Path) -> None:
    path = repo / APP / "deployment.yaml"
    path.write_text(path.read_text().replace("spec:", "spec: [unclosed", 1))
    [(file, line, _, message)] = _unread(repo)
    assert file == f"{APP}/deployment.yaml" and line > 1
    assert "was not read" in message


def test_an_alias_inside_the_value_it_names_is_reported_not_a_crash(repo: Path) -> None:
    path = repo / PVC
    path.write_text(path.read_text() + "  loop: &loop [*loop]\n")
    [(file, line, col, message)] = _unread(repo)
    assert (file, col) == (PVC, 9) and line == len(path.read_text().splitlines())
    assert "holds an alias to itself" in message


def test_a_key_twice_is_reported_as_kustomize_refuses_it(repo: Path) -> None:
    """kustomize and Flux read the tree with Go's yaml.v3, which refuses a mapping key
    written twice (``mapping key "x" already defined``): the file is not read."""
    path = repo / PVC
    text = path.read_text()
    path.write_text(text.replace("spec:\n", "spec:\n  accessModes: [ReadWriteMany]\n", 1))
    [(file, line, _, message)] = _unread(repo)
    assert (file, line) == (PVC, 7)  # the second accessModes
    assert "duplicate key 'accessModes'" in message


def test_a_linked_file_of_the_build_is_reported(repo: Path) -> None:
    outside = repo / "elsewhere.yaml"
    (repo / PVC).rename(outside)
    os.symlink(outside, repo / PVC)
    [(file, line, col, message)] = _unread(repo)
    assert (file, line, col) == (PVC, 1, 1) and "symbolic link" in message


def test_a_broken_file_outside_every_apps_build_is_not_reported(repo: Path) -> None:
    stray = repo / "out" / "kubernetes" / "apps" / "apps" / "notes" / "draft.yaml"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"key: [caf\xe9\n")
    (repo / APP / "unlisted.yaml").write_text("a: [b\n")  # in the folder, not in the build
    assert _unread(repo) == []


def test_a_nested_folders_unreadable_kustomization_is_reported(repo: Path) -> None:
    app = repo / APP
    (app / "db").mkdir()
    (app / "db" / "kustomization.yaml").write_bytes(b"resources: [./pvc.yaml] # \xff\n")
    kustomization = app / "kustomization.yaml"
    kustomization.write_text(
        kustomization.read_text().replace("resources:", "resources:\n  - ./db", 1)
    )
    [(file, line, col, _)] = _unread(repo)
    assert (file, line, col) == (f"{APP}/db/kustomization.yaml", 1, 27)  # after 26 characters


def test_the_warning_reaches_the_user_with_its_hint_and_compile_still_succeeds(
    repo: Path, run_cli: RunCli
) -> None:
    _prepend(repo / PVC, b"# caf\xe9\n")
    result = run_cli("compile", cwd=repo)
    assert result.exit_code == 0, result.output
    assert f"{PVC}:1:6: warning [BP424] " in result.output
    assert "hint: make it a UTF-8 YAML file" in result.output
    assert "Traceback" not in result.output


def test_the_cluster_can_acknowledge_one_unread_file(repo: Path) -> None:
    _prepend(repo / PVC, b"# caf\xe9\n")
    cluster = repo / "policies" / "cluster.yaml"
    ack = f"  acknowledge:\n    - {{id: BP424, item: {PVC}, reason: a vendored Latin-1 file}}\n"
    cluster.write_text(cluster.read_text().replace("  timezone: UTC\n", "  timezone: UTC\n" + ack))
    result = build(RunConfig(policies=repo / "policies", output=repo / "out"))
    assert result.policies is not None
    assert [d.rule for d in result.diagnostics.items if d.rule == "BP424"] == []
    assert [a.diagnostic.file for a in result.acknowledged] == [PVC]


@pytest.mark.parametrize(
    "breakage",
    [b"# caf\xe9\n", b"spec: [unclosed\n"],
    ids=["not UTF-8", "not YAML"],
)
def test_a_file_kustomize_fails_on_is_one_warning_whatever_its_fault(
    repo: Path, breakage: bytes
) -> None:
    """kustomize fails loudly on both: neither may bring BP405's claim that it would skip
    a patch without a word, and check judges both alike."""
    _prepend(repo / PVC, breakage)
    result = build(RunConfig(policies=repo / "policies", output=repo / "out"))
    assert [d.rule for d in result.diagnostics.sorted() if d.level == "error"] == []
    assert [d.rule for d in result.diagnostics.sorted()].count("BP424") == 1
