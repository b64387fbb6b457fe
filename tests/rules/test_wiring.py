"""BP402-BP404: the app's kustomization must list the backup Component; ``--fix`` adds it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from compiler.config import RunConfig
from compiler.pipeline.build import BuildResult, build
from compiler.write import apply_wiring

BASE = Path(__file__).resolve().parents[1] / "cases" / "base"
APP = "kubernetes/apps/apps/web"

WITHOUT = """\
# web: the app itself
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: apps  # keep in sync with the policy
resources:
  - ./deployment.yaml   # the workload
  - ./pvc.yaml
# end of file comment
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copytree(BASE, tmp_path, dirs_exist_ok=True)
    (tmp_path / "out" / APP / "kustomization.yaml").unlink()
    return tmp_path


def _app(root: Path, text: str, folder: str = APP, name: str = "kustomization.yaml") -> Path:
    path = root / "out" / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _build(root: Path, fix: bool = False) -> BuildResult:
    return build(RunConfig(policies=root / "policies", output=root / "out", fix=fix))


def _rules(result: BuildResult) -> list[tuple[str, str, int, int]]:
    return [
        (d.rule, d.file, d.line, d.col)
        for d in result.diagnostics.sorted()
        if d.rule in {"BP402", "BP403", "BP404"}
    ]


def _load(text: str) -> dict[str, object]:
    data = YAML(typ="safe", pure=True).load(text)
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(
    "components", ["[./backup]", "[backup]", "[./backup/]", "[../x, ./backup]"]
)
def test_listed_component_is_fine(repo: Path, components: str) -> None:
    _app(repo, WITHOUT + f"components: {components}\n")
    assert _rules(_build(repo)) == []


def test_missing_component_is_reported_and_the_fix_keeps_comments(repo: Path) -> None:
    path = _app(repo, WITHOUT)
    result = _build(repo)
    assert _rules(result) == [("BP402", f"out/{APP}/kustomization.yaml", 1, 1)]
    assert path.read_text() == WITHOUT  # checking never writes
    assert result.plan is not None
    (wiring,) = result.plan.wiring
    for comment in ("# web: the app itself", "# keep in sync", "# the workload", "# end of file"):
        assert comment in wiring.fixed
    data = _load(wiring.fixed)
    assert data["components"] == ["./backup"]
    assert data["resources"] == ["./deployment.yaml", "./pvc.yaml"]
    assert wiring.fixed.startswith("# web: the app itself\napiVersion:")


def test_fix_mode_reports_nothing_and_writes_the_fix(repo: Path) -> None:
    _app(repo, WITHOUT + "components:\n  - ../../components/common  # shared\n")
    result = _build(repo, fix=True)
    assert _rules(result) == [] and result.plan is not None
    assert apply_wiring(repo / "out", result.plan.wiring) == [f"{APP}/kustomization.yaml"]
    text = (repo / "out" / APP / "kustomization.yaml").read_text()
    assert _load(text)["components"] == ["../../components/common", "./backup"]
    assert "# shared" in text and "  - ./backup\n" in text
    assert _rules(_build(repo)) == []


def test_flux_app_layout_uses_the_parent_path(repo: Path) -> None:
    path = _app(repo, WITHOUT, folder=f"{APP}/app")
    result = _build(repo)
    assert _rules(result) == [("BP402", f"out/{APP}/app/kustomization.yaml", 1, 1)]
    assert any("'../backup'" in d.message for d in result.diagnostics.items if d.rule == "BP402")
    path.write_text(WITHOUT + "components: [../backup]\n")
    assert _rules(_build(repo)) == []


def test_app_folder_kustomization_wins_over_app_subfolder(repo: Path) -> None:
    _app(repo, WITHOUT + "components: [./backup]\n")
    _app(repo, WITHOUT, folder=f"{APP}/app")
    assert _rules(_build(repo)) == []


@pytest.mark.parametrize("name", ["kustomization.yml", "Kustomization"])
def test_other_file_names(repo: Path, name: str) -> None:
    _app(repo, WITHOUT, name=name)
    assert _rules(_build(repo)) == [("BP402", f"out/{APP}/{name}", 1, 1)]


def test_missing_kustomization_is_reported_at_the_policy(repo: Path) -> None:
    result = _build(repo)
    assert _rules(result) == [("BP403", "policies/services/web.yaml", 4, 9)]
    assert result.plan is not None and result.plan.wiring[0].fixed == ""


def test_unparsable_kustomization_is_positioned_on_one_line(repo: Path) -> None:
    _app(repo, "apiVersion: v1\nresources: [\n  - x\n")
    result = _build(repo)
    ((rule, file, line, col),) = _rules(result)
    assert (rule, file) == ("BP404", f"out/{APP}/kustomization.yaml")
    assert (line, col) != (1, 1)
    assert all("\n" not in d.message for d in result.diagnostics.items)
