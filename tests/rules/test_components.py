"""Removing a policy never breaks an app (BP409, BP410), through the CLI and kubectl.

The acceptance case ``policy-removed-component-listed`` is the repository after
``policies/services/web.yaml`` was deleted: its generated Component is still in the tree
and the app's kustomization still lists it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from compiler.plan.wiring import without_components
from tests.conftest import RunCli
from tests.support.validation import KustomizeError, kustomize_build
from tests.test_cases import CASES, materialise

APP = "out/kubernetes/apps/apps/web"


@pytest.fixture
def removed(tmp_path: Path) -> Path:
    return materialise(CASES / "invalid/policy-removed-component-listed", tmp_path / "repo")


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_the_listed_removed_component_breaks_kustomize_once_it_is_gone(
    removed: Path, kubectl: str, tmp_path: Path
) -> None:
    """Why BP409 exists: deleting the Component without the entry fails the build."""
    broken = tmp_path / "broken"
    shutil.copytree(removed, broken)
    shutil.rmtree(broken / APP / "backup")
    with pytest.raises(KustomizeError):
        kustomize_build(broken / APP, kubectl=kubectl)


def test_compile_refuses_without_fix_and_names_what_is_lost(removed: Path, run_cli: RunCli) -> None:
    before = _tree(removed)
    result = run_cli("compile", cwd=removed)
    assert result.exit_code == 1
    assert "[BP409]" in result.output and "compile --fix" in result.output
    assert (
        "protection removed" in result.output and "pvc/web-data, Schedule bp-web" in result.output
    )
    assert _tree(removed) == before


def test_check_fails_on_the_entry(removed: Path, run_cli: RunCli) -> None:
    result = run_cli("check", cwd=removed)
    assert result.exit_code == 1
    assert "out/kubernetes/apps/apps/web/kustomization.yaml:7:1: error [BP409]" in result.output


def test_compile_fix_takes_the_entry_out_with_the_component(
    removed: Path, run_cli: RunCli, kubectl: str
) -> None:
    result = run_cli("compile", "--fix", cwd=removed)
    assert result.exit_code == 0, result.output
    assert "protection removed" in result.output
    assert not (removed / APP / "backup").exists()
    assert (removed / APP / "kustomization.yaml").read_text() == (
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: apps\n"
        "resources:\n  - ./deployment.yaml\n  - ./pvc.yaml\n"
    )
    built = kustomize_build(removed / APP, kubectl=kubectl)
    assert "kind: PersistentVolumeClaim" in built and "backup-policy.io" not in built
    again = run_cli("check", cwd=removed)
    assert again.exit_code == 0, again.output
    assert "protection removed" not in again.output


def test_the_entry_goes_with_its_comments_kept() -> None:
    text = (
        "---\n# app\nkind: Kustomization\nresources:\n  - a.yaml  # the app\n"
        "components:\n  - ../../components/common  # shared\n  - ./backup  # generated\n"
        "# about the namespace\nnamespace: x\n"
    )
    assert without_components(text, ["backup"]) == (
        "---\n# app\nkind: Kustomization\nresources:\n  - a.yaml  # the app\n"
        "components:\n  - ../../components/common  # shared\n"
        "# about the namespace\nnamespace: x\n"
    )
    only = (
        "kind: Kustomization\nresources:\n- a.yaml\ncomponents:\n- ./backup\n\n"
        "# next\nnamespace: y\n"
    )
    assert without_components(only, ["./backup"]) == (
        "kind: Kustomization\nresources:\n- a.yaml\n\n# next\nnamespace: y\n"
    )
    assert without_components("kind: Kustomization\ncomponents: [../x]\n", ["./backup"]) is None


STORAGE = "out/kubernetes/apps/storage"


def _last_velero_services_leave(example: Path) -> None:
    for name, old, new in (
        ("linkding", "  methods: [velero]\n", ""),
        ("paperless", "  methods: [longhorn, k8up, velero]\n", "  methods: [longhorn, k8up]\n"),
    ):
        policy = example / f"policies/services/{name}.yaml"
        text = policy.read_text()
        assert text.count(old) == 1, name
        policy.write_text(text.replace(old, new))


@pytest.mark.integration
def test_a_shared_folder_that_goes_leaves_no_entry_behind(
    example: Path, run_cli: RunCli, kubectl: str
) -> None:
    """The last Velero services move to other methods: ``velero/schedules/`` goes, and the
    storage namespace's kustomization listed its ``ks.yaml``. Left there, kustomize fails
    on the whole namespace (Longhorn's jobs included); BP413 refuses, ``--fix`` takes the
    entry out and the namespace builds."""
    _last_velero_services_leave(example)
    before = _tree(example)
    refused = run_cli("compile", cwd=example)
    assert refused.exit_code == 1
    expected = f"{STORAGE}/kustomization.yaml:4:1: error [BP413] resources: './velero/schedules/"
    assert expected in refused.output
    assert _tree(example) == before
    assert run_cli("compile", "--fix", "-q", cwd=example).exit_code == 0
    assert not (example / STORAGE / "velero").exists()
    listing = (example / STORAGE / "kustomization.yaml").read_text()
    assert "velero" not in listing and "./longhorn/recurring-jobs/ks.yaml" in listing
    assert "# generated by backup-policy beside the objects they apply" in listing
    kustomize_build(example / STORAGE, kubectl=kubectl)
    assert run_cli("check", "-q", cwd=example).exit_code == 0
