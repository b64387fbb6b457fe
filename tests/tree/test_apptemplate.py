"""The app-template naming model: which controllers a release renders, from its values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compiler.tree.apptemplate import app_template_render
from tests.tree.helpers import helm_release, release_in


def controllers(**items: Any) -> dict[str, Any]:
    return {"controllers": {k: {"containers": {"main": {}}, **v} for k, v in items.items()}}


def names(document: dict[str, Any], root: Path) -> dict[str, tuple[str, str]]:
    render = app_template_render(release_in(root, document))
    assert render is not None
    return {c.identifier: (c.kind, c.name) for c in render.controllers}


def test_a_single_controller_is_named_like_the_release(tmp_path: Path) -> None:
    found = names(helm_release(controllers(app={})), tmp_path)
    assert found == {"app": ("Deployment", "paperless")}


def test_several_controllers_get_their_identifier_appended(tmp_path: Path) -> None:
    values = controllers(app={}, worker={"type": "statefulset"}, paperless={})
    assert names(helm_release(values), tmp_path) == {
        "app": ("Deployment", "paperless-app"),
        "paperless": ("Deployment", "paperless"),  # the identifier equals the full name
        "worker": ("StatefulSet", "paperless-worker"),
    }


def test_disabled_controllers_do_not_count(tmp_path: Path) -> None:
    values = controllers(app={}, worker={"enabled": False})
    assert names(helm_release(values), tmp_path) == {"app": ("Deployment", "paperless")}


def test_overrides_and_release_name(tmp_path: Path) -> None:
    cases = [
        (helm_release(controllers(app={"nameOverride": "web"})), "paperless-web"),
        (helm_release({**controllers(app={}), "fullnameOverride": "docs"}), "docs"),
        (helm_release({**controllers(app={}), "global": {"nameOverride": "ngx"}}), "paperless-ngx"),
        (helm_release(controllers(app={}), releaseName="docs"), "docs"),
        (helm_release(controllers(app={}), targetNamespace="office"), "office-paperless"),
    ]
    for index, (document, name) in enumerate(cases):
        assert names(document, tmp_path / str(index))["app"] == ("Deployment", name)


def test_app_template_4_rules(tmp_path: Path) -> None:
    always = {**controllers(app={}), "global": {"alwaysAppendIdentifierToResourceName": True}}
    found = names(helm_release(always, "4.1.1"), tmp_path / "a")
    assert found["app"] == ("Deployment", "paperless-app")
    forced = controllers(app={"forceRename": "Docs"}, worker={})
    assert names(helm_release(forced, "4.1.1"), tmp_path / "b") == {
        "app": ("Deployment", "docs"),
        "worker": ("Deployment", "paperless-worker"),
    }


def test_unknown_renders_claim_nothing(tmp_path: Path) -> None:
    other = helm_release(controllers(app={}))
    other["spec"]["chart"]["spec"]["chart"] = "paperless-ngx"
    old = helm_release(controllers(app={}), "2.6.0")
    secret = helm_release({}, valuesFrom=[{"kind": "Secret", "name": "paperless-values"}])
    missing = helm_release({}, valuesFrom=[{"kind": "ConfigMap", "name": "elsewhere"}])
    for index, document in enumerate((other, old, secret, missing)):
        assert app_template_render(release_in(tmp_path / str(index), document)) is None


def test_values_from_a_generated_config_map_merge_under_inline_values(tmp_path: Path) -> None:
    source = {"kind": "ConfigMap", "name": "paperless-values", "valuesKey": "values"}
    values = {"controllers": {"worker": {"enabled": False}}}
    document = helm_release(values, valuesFrom=[source])
    files = {
        "kustomization.yaml": "configMapGenerator:\n"
        "  - name: paperless-values\n    files: [values=files/v.yaml]\n",
        "files/v.yaml": "controllers:\n  app: {containers: {main: {}}}\n"
        "  worker: {containers: {main: {}}}\n",
    }
    release = release_in(tmp_path, document, files)
    assert release.values is not None
    assert release.values["controllers"]["worker"]["enabled"] is False
    render = app_template_render(release)
    assert render is not None
    assert [(c.identifier, c.name) for c in render.controllers] == [("app", "paperless")]
