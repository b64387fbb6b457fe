"""BP372: the post-renderer's target is what bjw-s app-template really renders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compiler.litestream.helmchart import app_template_render, find_helmrelease, release_values
from tests.conftest import realworld_dir, require_tool
from tests.litestream.example import compile_tree, copy_example, edit_yaml, errors

REPO = Path(__file__).resolve().parents[2]
PAPERLESS_RELEASE = "out/kubernetes/apps/productivity/paperless/app/helmrelease.yaml"
PAPERLESS_POLICY = "policies/services/paperless.yaml"
NO_VOLUME = "/data/db.sqlite3 is on volume 'data', which the release's persistence does not define"


def release(values: dict[str, Any], version: str = "3.7.3", **spec: Any) -> dict[str, Any]:
    chart = {"spec": {"chart": "app-template", "version": version}}
    return {"metadata": {"name": "paperless"}, "spec": {"chart": chart, "values": values, **spec}}


def controllers(**items: Any) -> dict[str, Any]:
    return {"controllers": {k: {"containers": {"main": {}}, **v} for k, v in items.items()}}


def names(render_of: dict[str, Any], tmp_path: Path) -> dict[str, tuple[str, str]]:
    render = app_template_render(tmp_path, render_of)
    assert render is not None
    return {c.identifier: (c.kind, c.name) for c in render.controllers}


# -- the naming rules ---------------------------------------------------------------------


def test_a_single_controller_is_named_like_the_release(tmp_path: Path) -> None:
    assert names(release(controllers(app={})), tmp_path) == {"app": ("Deployment", "paperless")}


def test_several_controllers_get_their_identifier_appended(tmp_path: Path) -> None:
    values = controllers(app={}, worker={"type": "statefulset"}, paperless={})
    assert names(release(values), tmp_path) == {
        "app": ("Deployment", "paperless-app"),
        "paperless": ("Deployment", "paperless"),  # the identifier equals the full name
        "worker": ("StatefulSet", "paperless-worker"),
    }


def test_disabled_controllers_do_not_count(tmp_path: Path) -> None:
    values = controllers(app={}, worker={"enabled": False})
    assert names(release(values), tmp_path) == {"app": ("Deployment", "paperless")}


def test_overrides_and_release_name(tmp_path: Path) -> None:
    values = controllers(app={"nameOverride": "web"})
    assert names(release(values), tmp_path)["app"] == ("Deployment", "paperless-web")
    values = {**controllers(app={}), "fullnameOverride": "docs"}
    assert names(release(values), tmp_path)["app"] == ("Deployment", "docs")
    values = {**controllers(app={}), "global": {"nameOverride": "ngx"}}
    assert names(release(values), tmp_path)["app"] == ("Deployment", "paperless-ngx")
    renamed = release(controllers(app={}), releaseName="docs")
    assert names(renamed, tmp_path)["app"] == ("Deployment", "docs")
    targeted = release(controllers(app={}), targetNamespace="office")
    assert names(targeted, tmp_path)["app"] == ("Deployment", "office-paperless")


def test_app_template_4_rules(tmp_path: Path) -> None:
    always = {**controllers(app={}), "global": {"alwaysAppendIdentifierToResourceName": True}}
    assert names(release(always, "4.1.1"), tmp_path)["app"] == ("Deployment", "paperless-app")
    forced = controllers(app={"forceRename": "Docs"}, worker={})
    assert names(release(forced, "4.1.1"), tmp_path) == {
        "app": ("Deployment", "docs"),
        "worker": ("Deployment", "paperless-worker"),
    }


def test_unknown_renders_claim_nothing(tmp_path: Path) -> None:
    other = release(controllers(app={}))
    other["spec"]["chart"]["spec"]["chart"] = "paperless-ngx"
    assert app_template_render(tmp_path, other) is None
    assert app_template_render(tmp_path, release(controllers(app={}), "2.6.0")) is None
    secret = release({}, valuesFrom=[{"kind": "Secret", "name": "paperless-values"}])
    assert app_template_render(tmp_path, secret) is None
    missing = release({}, valuesFrom=[{"kind": "ConfigMap", "name": "elsewhere"}])
    assert app_template_render(tmp_path, missing) is None


def test_values_from_a_generated_config_map_merge_under_inline_values(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        "configMapGenerator:\n  - name: paperless-values\n    files: [values=files/v.yaml]\n"
    )
    (tmp_path / "files").mkdir()
    (tmp_path / "files/v.yaml").write_text(
        "controllers:\n  app: {containers: {main: {}}}\n  worker: {containers: {main: {}}}\n"
    )
    source = {"kind": "ConfigMap", "name": "paperless-values", "valuesKey": "values"}
    values = {"controllers": {"worker": {"enabled": False}}}
    merged = release_values(tmp_path, release(values, valuesFrom=[source]))
    assert merged is not None and merged["controllers"]["worker"]["enabled"] is False
    rendered = release(values, valuesFrom=[source])
    assert names(rendered, tmp_path) == {"app": ("Deployment", "paperless")}


def test_the_seed_repos_values_from_layout(tmp_path: Path) -> None:
    """The real-world repo keeps values in a generated ConfigMap (valuesFrom)."""
    shared = realworld_dir()
    app = shared / "tuxpeople__k8s-homelab/kubernetes/apps/productivity"
    require_tool(f"the real-world fixtures in {shared}", app.is_dir())
    found = find_helmrelease(app, "linkding", "linkding")
    assert found is not None
    render = app_template_render(found[0].parent, found[1])
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
        (
            28,
            13,
            "/data/db.sqlite3 is on volume 'data', which the release's persistence does not define",
        ),
    ]

    def right_controller(data: Any) -> None:
        data["spec"]["workload"]["controller"] = "app"

    edit_yaml(root / PAPERLESS_POLICY, right_controller)
    assert [(line, col, m.split(":")[0]) for line, col, m in bp372(root)] == [
        (18, 16, "controller 'app' has no container 'app'"),
        (
            28,
            13,
            "/data/db.sqlite3 is on volume 'data', which the release's persistence does not define",
        ),
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
    (tmp_path / "app/helmrelease.yaml").write_text(text)
    found = find_helmrelease(tmp_path, "app", "paperless")
    if found is not None:
        render = app_template_render(found[0].parent, found[1])
        assert render is None or render.controllers == ()
