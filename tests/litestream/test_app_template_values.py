"""The HelmRelease values BP372 reads are the chart's own: validated against the upstream
bjw-s app-template 3.7.3 values schema (read in place from ../shared/crds/app-template)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from compiler.handwritten import yaml_documents
from compiler.litestream.helmchart import app_template_render, release_values
from tests.conftest import REPO, crd_dir, realworld_dir, require_tool

COMMON_URL = (
    "https://raw.githubusercontent.com/bjw-s-labs/helm-charts/common-3.7.3/charts/library/common/"
)


def releases() -> list[Path]:
    """The example's releases, the valid cases' and the seed repo's app-template 3.7.3 ones."""
    seed = realworld_dir() / "tuxpeople__k8s-homelab/kubernetes/apps/productivity"
    roots = [REPO / "out", REPO / "tests/cases/valid", seed]
    return sorted(
        path
        for root in roots
        for path in root.rglob("helmrelease.yaml")
        if any(
            d.get("kind") == "HelmRelease" and "3.7.3" in str(d.get("spec"))
            for d in yaml_documents(path)
        )
    )


def _shown(path: Path) -> str:
    if path.is_relative_to(REPO):
        return path.relative_to(REPO).as_posix()
    return "realworld/" + path.relative_to(realworld_dir()).as_posix()


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    common = crd_dir() / "app-template/app-template-3.7.3/charts/library/common"
    require_tool(f"the app-template 3.7.3 schemas in {common}", common.is_dir())
    resources = [(COMMON_URL + "values.schema.json", common / "values.schema.json")]
    resources += [
        (COMMON_URL + f"schemas/{p.name}", p) for p in (common / "schemas").glob("*.json")
    ]
    registry: Registry[Any] = Registry().with_resources(
        (url, Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT7))
        for url, path in resources
    )
    return Draft7Validator({"$ref": COMMON_URL + "values.schema.json"}, registry=registry)


@pytest.mark.parametrize("path", releases(), ids=lambda p: _shown(p))
def test_release_values_validate_against_the_chart_schema(
    path: Path, validator: Draft7Validator
) -> None:
    (release,) = [d for d in yaml_documents(path) if d.get("kind") == "HelmRelease"]
    values = release_values(path.parent, release)
    assert values is not None
    assert values.get("controllers"), "values found (inline or valuesFrom)"
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(values)
    ]
    assert errors == []
    render = app_template_render(path.parent, release)
    assert render is not None and render.controllers, "BP372 reads these releases"


def test_the_schema_catches_what_bp372_must_not_trust(validator: Draft7Validator) -> None:
    """The validator is not vacuous: a controller that is not a mapping is refused."""
    assert list(validator.iter_errors({"controllers": {"app": 7}}))
