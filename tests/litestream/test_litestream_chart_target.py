"""BP372: the post-renderer's target is what bjw-s app-template really renders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compiler.tree.apptemplate import app_template_render
from compiler.tree.fluxreleases import app_release
from compiler.tree.read import read_tree
from tests.conftest import realworld_dir, require_tool
from tests.litestream.example import compile_tree, copy_example, edit_yaml, errors

REPO = Path(__file__).resolve().parents[2]
PAPERLESS_RELEASE = "out/kubernetes/apps/productivity/paperless/app/helmrelease.yaml"
PAPERLESS_POLICY = "policies/services/paperless.yaml"
NO_VOLUME = "/data/db.sqlite3 is on volume 'data', which is not a volume"
WHERE = "(persistence, with its globalMounts/advancedMounts, and claim templates)"


def test_the_seed_repos_values_from_layout() -> None:
    """The real-world repo keeps values in a generated ConfigMap (valuesFrom)."""
    shared = realworld_dir()
    root = shared / "tuxpeople__k8s-homelab"
    require_tool(f"the real-world fixtures in {shared}", root.is_dir())
    inventory = read_tree(root, "tuxpeople")
    found = app_release(inventory, "kubernetes/apps/productivity/linkding", "linkding")
    assert found is not None
    render = app_template_render(found)
    assert render is not None
    assert [(c.identifier, c.kind, c.name) for c in render.controllers] == [
        ("app", "Deployment", "linkding")
    ]
    assert "litestream" in render.controllers[0].containers


# -- the rule, through the pipeline --------------------------------------------------------


def add_worker(data: Any) -> None:
    data["spec"]["values"]["controllers"]["worker"] = {"containers": {"main": {"image": {}}}}


def bp372(root: Path) -> list[tuple[int, int, str]]:
    found = [d for d in errors(compile_tree(root)) if d.rule == "BP372"]
    assert all(d.file == PAPERLESS_POLICY for d in found)
    return [(d.line, d.col, d.message) for d in found]


def test_example_targets_match_what_the_chart_renders(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    assert not errors(compile_tree(root))


def test_a_second_controller_renames_the_target(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    edit_yaml(root / PAPERLESS_RELEASE, add_worker)
    ((_, _, message),) = bp372(root)
    assert "renders Deployment 'paperless-app' for controller 'app'" in message
    assert "silently not run" in message

    def renders(data: Any) -> None:
        data["spec"]["workload"]["renders"] = {"kind": "Deployment", "name": "paperless-app"}

    edit_yaml(root / PAPERLESS_POLICY, renders)
    assert bp372(root) == []


def _sqlite_line(root: Path) -> int:
    """The line of the database's ``volume:`` in the paperless policy."""
    lines = (root / PAPERLESS_POLICY).read_text().splitlines()
    start = lines.index("  sqlite:")
    return next(n for n, line in enumerate(lines, 1) if n > start and "volume: data" in line)


def test_controller_container_and_volume_must_exist(tmp_path: Path) -> None:
    root = copy_example(tmp_path)

    def wrong(data: Any) -> None:
        data["spec"]["workload"]["controller"] = "web"
        data["spec"]["workload"]["container"] = "app"

    edit_yaml(root / PAPERLESS_POLICY, wrong)

    def rename_data(data: Any) -> None:
        persistence = data["spec"]["values"]["persistence"]
        persistence["config"] = persistence.pop("data")

    edit_yaml(root / PAPERLESS_RELEASE, rename_data)
    assert [(line, col, m.split(":")[0]) for line, col, m in bp372(root)] == [
        (17, 17, "HelmRelease 'paperless' has no enabled controller 'web'"),
        (_sqlite_line(root), 13, f"{NO_VOLUME} of the release {WHERE}"),
    ]

    def right_controller(data: Any) -> None:
        data["spec"]["workload"]["controller"] = "app"

    edit_yaml(root / PAPERLESS_POLICY, right_controller)
    assert [(line, col, m.split(":")[0]) for line, col, m in bp372(root)] == [
        (18, 16, "controller 'app' has no container 'app'"),
        (_sqlite_line(root), 13, f"{NO_VOLUME} of the pods of controller 'app' {WHERE}"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "kind: HelmRelease\nmetadata: 1.5\n",
        "kind: HelmRelease\nmetadata: {name: paperless}\nspec: [1]\n",
        "kind: HelmRelease\nmetadata: {name: paperless}\nspec: {chart: x, values: y}\n",
        "kind: HelmRelease\nmetadata: {name: paperless}\nspec: {valuesFrom: {kind: ConfigMap}}\n",
        "kind: HelmRelease\nmetadata: {name: paperless}\n"
        "spec: {chart: {spec: {chart: app-template, version: 3.7.3}}, values: {controllers: 7}}\n",
    ],
)
def test_odd_hand_written_releases_are_read_without_crashing(tmp_path: Path, text: str) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app/helmrelease.yaml").write_text("apiVersion: helm.toolkit.fluxcd.io/v2\n" + text)
    found = app_release(read_tree(tmp_path, "."), "app", "paperless")
    if found is not None:
        render = app_template_render(found)
        assert render is None or render.controllers == ()


AUDIOBOOKSHELF_RELEASE = "out/kubernetes/apps/media/audiobookshelf/app/helmrelease.yaml"
AUDIOBOOKSHELF_POLICY = "policies/services/audiobookshelf.yaml"


def test_a_chart_ref_release_is_checked(tmp_path: Path) -> None:
    """app-template 4.1.1 through spec.chartRef (an OCIRepository of the tree) is judged too:
    a second controller renames the target, and a volume mounted only into the other
    controller's pods cannot hold the database."""
    root = copy_example(tmp_path)

    def second_controller(data: Any) -> None:
        values = data["spec"]["values"]
        values["controllers"]["worker"] = {"containers": {"main": {"image": {}}}}
        values["persistence"]["config"]["advancedMounts"] = {
            "worker": {"main": [{"path": "/config"}]}
        }
        del values["persistence"]["config"]["globalMounts"]

    edit_yaml(root / AUDIOBOOKSHELF_RELEASE, second_controller)
    found = [d for d in errors(compile_tree(root)) if d.rule == "BP372"]
    assert {d.file for d in found} == {AUDIOBOOKSHELF_POLICY}
    messages = sorted(d.message.split(":")[0] for d in found)
    assert messages == [
        "/config/absdatabase.sqlite is on volume 'config', which is not a volume of the pods "
        f"of controller 'app' {WHERE}",
        "the post-renderer targets Deployment 'audiobookshelf', but app-template 4.x renders "
        "Deployment 'audiobookshelf-app' for controller 'app'",
    ]
