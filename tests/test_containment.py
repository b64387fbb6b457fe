"""Nothing is read or written outside the repository, and nothing through a symbolic link."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.support.process import run_compiler as run

BASE = REPO / "tests" / "cases" / "base"
APP = "kubernetes/apps/apps/web"


def digest(folder: Path) -> str:
    """Every file and link under ``folder``: paths, targets and contents."""
    hashed = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        hashed.update(path.relative_to(folder).as_posix().encode())
        if path.is_symlink():
            hashed.update(os.readlink(path).encode())
        elif path.is_file():
            hashed.update(path.read_bytes())
    return hashed.hexdigest()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A repository (the base case) and a canary folder beside it, outside it."""
    repo, canary = tmp_path / "repo", tmp_path / "canary"
    shutil.copytree(BASE, repo)
    shutil.copytree(BASE / "out", canary)
    (canary / "secret.yaml").write_text("apiVersion: v1\nkind: Secret\nstringData: {k: CANARY}\n")
    before = digest(canary)
    yield repo, canary
    assert digest(canary) == before, "something outside the repository changed"


def _set_root(repo: Path, root: str) -> None:
    path = repo / "policies" / "cluster.yaml"
    path.write_text(path.read_text().replace("root: out", f"root: {root}"))


@pytest.mark.parametrize("root", ["../canary", "'/tmp'"])
def test_an_output_root_outside_is_refused_at_its_line(world: tuple[Path, Path], root: str) -> None:
    repo, _ = world
    _set_root(repo, root)
    for command in ("validate", "check", "compile"):
        done = run(repo, command)
        assert done.returncode == 1, done.stdout + done.stderr
        assert "policies/cluster.yaml:7:11: error [BP204] spec.output.root" in done.stdout


def test_a_symlinked_output_folder_is_refused(world: tuple[Path, Path]) -> None:
    repo, canary = world
    shutil.rmtree(repo / "out")
    (repo / "out").symlink_to(canary)
    done = run(repo, "compile")
    assert done.returncode == 1
    assert "policies/cluster.yaml:7:11: error [BP106]" in done.stdout
    assert "symbolic link" in done.stdout or "outside the repository" in done.stdout


def test_an_output_option_outside_is_a_usage_error(world: tuple[Path, Path]) -> None:
    repo, canary = world
    done = run(repo, "compile", "-o", str(canary))
    assert done.returncode == 2 and "--output" in done.stderr and "outside" in done.stderr


def test_an_output_root_that_is_a_file_is_refused(world: tuple[Path, Path]) -> None:
    """Not a tree with nothing in it (a Flux entry missing, every app unwired): a file where
    the folder should be is named as such, and nothing is written."""
    repo, _ = world
    for command in ("check", "compile"):
        done = run(repo, command, "-o", "policies/cluster.yaml")
        assert done.returncode == 2, done.stdout + done.stderr
        assert "--output: policies/cluster.yaml is a file, not a folder" in done.stderr
    done = run(repo, "coverage", "-o", "policies/cluster.yaml")
    assert done.returncode == 2 and "--output: no folder at policies/cluster.yaml" in done.stderr
    _set_root(repo, "policies/restore-tests.yaml")
    before = digest(repo)
    done = run(repo, "compile")
    assert done.returncode == 1
    assert "policies/cluster.yaml:7:11: error [BP106]" in done.stdout
    assert "is a file, not a folder" in done.stdout
    assert digest(repo) == before


def test_a_dangling_symlink_in_the_output_tree_stops_the_compile(world: tuple[Path, Path]) -> None:
    repo, _ = world
    (repo / "out" / APP / "backup").symlink_to(repo / "nowhere")
    before = digest(repo)
    done = run(repo, "compile")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"out/{APP}/backup:1:1: error [BP406]" in done.stdout
    assert digest(repo) == before  # nothing written


def test_a_symlinked_app_folder_is_not_fixed_through(world: tuple[Path, Path]) -> None:
    repo, canary = world
    shutil.rmtree(repo / "out" / APP)
    (repo / "out" / APP).symlink_to(canary / APP)
    kustomization = canary / APP / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("components:\n  - ./backup\n", ""))
    before = digest(canary)  # the canary was edited above; it must not change from here on
    done = run(repo, "compile", "--fix")
    assert done.returncode == 1
    assert f"out/{APP}:1:1: error [BP406]" in done.stdout
    assert digest(canary) == before
    kustomization.write_text(kustomization.read_text() + "components:\n  - ./backup\n")


def test_a_symlinked_policy_outside_is_refused_unread(world: tuple[Path, Path]) -> None:
    repo, canary = world
    (repo / "policies" / "services" / "leak.yaml").symlink_to(canary / "secret.yaml")
    for command in ("validate", "check", "compile"):
        done = run(repo, command)
        assert done.returncode == 1
        shown = done.stdout + done.stderr
        assert "policies/services/leak.yaml:1:1: error [BP103]" in shown
        assert "outside the repository: not read" in shown and "CANARY" not in shown


def test_a_symlinked_policy_inside_is_read(world: tuple[Path, Path]) -> None:
    repo, _ = world
    services = repo / "policies" / "services"
    (repo / "shared").mkdir()
    shutil.move(services / "web.yaml", repo / "shared" / "web.yaml")
    (services / "web.yaml").symlink_to(repo / "shared" / "web.yaml")
    assert run(repo, "compile").returncode == 0
    assert run(repo, "check").returncode == 0


def test_the_repository_itself_may_be_the_output_root(world: tuple[Path, Path]) -> None:
    """`output.root: .`: the apps beside the policies, as many homelab repos keep them."""
    repo, _ = world
    for child in (repo / "out").iterdir():
        child.rename(repo / child.name)
    (repo / "out").rmdir()
    _set_root(repo, ".")
    done = run(repo, "compile", "--fix")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (repo / APP / "backup" / "kustomization.yaml").is_file()
    assert run(repo, "check").returncode == 0
