"""The HelmRelease values BP372 reads are the chart's own: validated against the upstream
bjw-s app-template 3.7.3 values schema (read in place from ../shared/crds/app-template)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from compiler.tree import HelmRelease
from compiler.tree.apptemplate import app_template_render
from compiler.tree.read import read_tree
from tests.conftest import REPO, crd_dir, realworld_dir, require_tool

COMMON_URL = (
    "https://raw.githubusercontent.com/bjw-s-labs/helm-charts/common-3.7.3/charts/library/common/"
)


def releases() -> list[tuple[str, HelmRelease]]:
    """The example's releases, the valid cases' and the seed repo's app-template 3.7.3 ones."""
    roots = {
        "out": REPO / "out",
        "tests/cases/valid": REPO / "tests/cases/valid",
        "realworld/tuxpeople": realworld_dir() / "tuxpeople__k8s-homelab",
    }
    found = []
    for shown, root in roots.items():
        for release in read_tree(root, shown).helm_releases:
            if release.chart.chart == "app-template" and release.chart.version == "3.7.3":
                found.append((f"{shown}/{release.manifest.file}", release))
    return sorted(found, key=lambda pair: pair[0])


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


@pytest.mark.parametrize(("path", "release"), releases(), ids=[p for p, _ in releases()])
def test_release_values_validate_against_the_chart_schema(
    path: str, release: HelmRelease, validator: Draft7Validator
) -> None:
    values = release.values
    assert values is not None
    assert values.get("controllers"), "values found (inline or valuesFrom)"
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(values)
    ]
    assert errors == []
    render = app_template_render(release)
    assert render is not None and render.controllers, "BP372 reads these releases"


def test_the_schema_catches_what_bp372_must_not_trust(validator: Draft7Validator) -> None:
    """The validator is not vacuous: a controller that is not a mapping is refused."""
    assert list(validator.iter_errors({"controllers": {"app": 7}}))
