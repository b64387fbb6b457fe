"""The app's kustomization must list the backup Component; ``--fix`` adds it, keeping comments."""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

from compiler.kustomization import check_wiring, find_kustomization
from compiler.plan import ComponentRef

APP = "kubernetes/apps/apps/web"
REF = ComponentRef(APP, "apps/web", "policies/services/web.yaml", 4, 9)

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


def _app(root: Path, text: str, folder: str = APP, name: str = "kustomization.yaml") -> Path:
    path = root / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _load(text: str) -> object:
    return YAML(typ="safe", pure=True).load(text)


def test_listed_component_is_fine(tmp_path: Path) -> None:
    for components in ("[./backup]", "[backup]", "[./backup/]", "[../other, ./backup]"):
        _app(tmp_path, WITHOUT + f"components: {components}\n")
        assert check_wiring(tmp_path, "out", (REF,)) == ([], [])


def test_missing_component_is_reported_with_a_fix(tmp_path: Path) -> None:
    path = _app(tmp_path, WITHOUT)
    problems, fixes = check_wiring(tmp_path, "out", (REF,))
    [problem] = problems
    assert (problem.file, problem.rule, problem.level) == (
        f"out/{APP}/kustomization.yaml",
        "BP402",
        "error",
    )
    assert "./backup" in problem.message
    [fix] = fixes
    assert fix.path == path
    assert path.read_text() == WITHOUT  # checking never writes


def test_fix_keeps_comments_and_adds_the_component(tmp_path: Path) -> None:
    _app(tmp_path, WITHOUT)
    _, [fix] = check_wiring(tmp_path, "out", (REF,))
    for comment in (
        "# web: the app itself",
        "# keep in sync with the policy",
        "# the workload",
        "# end of file comment",
    ):
        assert comment in fix.fixed
    data = _load(fix.fixed)
    assert isinstance(data, dict)
    assert data["components"] == ["./backup"]
    assert data["resources"] == ["./deployment.yaml", "./pvc.yaml"]
    assert fix.fixed.startswith("# web: the app itself\napiVersion:")


def test_fix_appends_to_existing_components(tmp_path: Path) -> None:
    _app(tmp_path, WITHOUT + "components:\n  - ../../components/common  # shared\n")
    _, [fix] = check_wiring(tmp_path, "out", (REF,))
    data = _load(fix.fixed)
    assert isinstance(data, dict)
    assert data["components"] == ["../../components/common", "./backup"]
    assert "# shared" in fix.fixed


def test_fixed_text_is_accepted_by_the_check(tmp_path: Path) -> None:
    path = _app(tmp_path, WITHOUT)
    _, [fix] = check_wiring(tmp_path, "out", (REF,))
    path.write_text(fix.fixed)
    assert check_wiring(tmp_path, "out", (REF,)) == ([], [])


def test_flux_app_layout_uses_the_parent_path(tmp_path: Path) -> None:
    path = _app(tmp_path, WITHOUT, folder=f"{APP}/app")
    assert find_kustomization(tmp_path / APP) == (path, "../backup")
    problems, [fix] = check_wiring(tmp_path, "out", (REF,))
    assert "'../backup'" in problems[0].message
    assert problems[0].file == f"out/{APP}/app/kustomization.yaml"
    data = _load(fix.fixed)
    assert isinstance(data, dict) and data["components"] == ["../backup"]
    path.write_text(WITHOUT + "components: [../backup]\n")
    assert check_wiring(tmp_path, "out", (REF,)) == ([], [])


def test_app_folder_kustomization_wins_over_app_subfolder(tmp_path: Path) -> None:
    top = _app(tmp_path, WITHOUT)
    _app(tmp_path, WITHOUT, folder=f"{APP}/app")
    assert find_kustomization(tmp_path / APP) == (top, "./backup")


def test_other_file_names(tmp_path: Path) -> None:
    path = _app(tmp_path, WITHOUT, name="kustomization.yml")
    assert find_kustomization(tmp_path / APP) == (path, "./backup")
    path.unlink()
    path = _app(tmp_path, WITHOUT, name="Kustomization")
    assert find_kustomization(tmp_path / APP) == (path, "./backup")


def test_missing_kustomization_is_reported_at_the_policy(tmp_path: Path) -> None:
    problems, fixes = check_wiring(tmp_path, "out", (REF,))
    [problem] = problems
    assert (problem.file, problem.line, problem.col, problem.rule) == (
        "policies/services/web.yaml",
        4,
        9,
        "BP403",
    )
    assert fixes == []


def test_unparsable_kustomization_is_reported_not_fixed(tmp_path: Path) -> None:
    _app(tmp_path, "resources: [\n  - x\n")
    problems, fixes = check_wiring(tmp_path, "out", (REF,))
    assert [p.rule for p in problems] == ["BP404"] and fixes == []


def test_unparsable_kustomization_is_positioned(tmp_path: Path) -> None:
    """BP404 should point where the YAML breaks and keep the message to one line."""
    _app(tmp_path, "apiVersion: v1\nresources: [\n  - x\n")
    [problem] = check_wiring(tmp_path, "out", (REF,))[0]
    assert (problem.line, problem.col) != (1, 1)
    assert "\n" not in problem.message
