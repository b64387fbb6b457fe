"""The app-template model equals the real chart's render.

For every app-template HelmRelease of the example and the real-world trees, and for each
naming rule the model restates (``compiler/tree/chartnames.py``), the workloads with their
containers, init containers, pod volumes and claim names, the claim templates and the PVCs
with their storage classes are compared with what app-template renders
(``tests/support/charts.py``: Helm's engine through helm-python-sdk). The compiler itself
never renders: this is the proof its model may be trusted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.tree import HelmRelease
from compiler.tree.apptemplate import app_template_render
from compiler.tree.read import read_tree
from tests.conftest import REPO, realworld_dir, require_tool
from tests.tree.chart_model import model_and_render
from tests.tree.helpers import release_in

TREES = ["tuxpeople__k8s-homelab", "tyriis__home-ops", "kelchm__home-lab"]


def _app_template_releases() -> list[tuple[str, HelmRelease]]:
    found = []
    roots = [("example", REPO / "out")]
    roots += [(name, realworld_dir() / name) for name in TREES]
    for name, root in roots:
        if not root.is_dir():
            continue
        for release in read_tree(root, name).helm_releases:
            if app_template_render(release) is not None:
                found.append((f"{name}:{release.manifest.file}", release))
    return found


RELEASES = _app_template_releases()


def test_the_trees_hold_the_releases_compared() -> None:
    require_tool(f"the real-world fixtures in {realworld_dir()}", realworld_dir().is_dir())
    trees = {label.split(":")[0] for label, _ in RELEASES}
    assert {"example", "tuxpeople__k8s-homelab", "tyriis__home-ops"} <= trees
    assert len(RELEASES) >= 60
    renders = [app_template_render(r) for _, r in RELEASES]
    chart_pvcs = sum(len(r.pvcs) for r in renders if r is not None)
    assert chart_pvcs >= 6  # immich, piper, whisper, pocket-id, paperless (tuxpeople), example


@pytest.mark.parametrize("release", [r for _, r in RELEASES], ids=[label for label, _ in RELEASES])
def test_the_model_of_a_tree_release_is_its_render(release: HelmRelease) -> None:
    model, render = model_and_render(release)
    assert model == render


def test_what_the_model_leaves_unknown_in_the_real_trees() -> None:
    """Only releases named by a Flux ${VAR} (substituted when Flux applies them) stay unknown;
    the `{{ .Release.Name }}` in tyriis' existingClaim values is rendered as the chart does."""
    root = realworld_dir() / "tyriis__home-ops"
    require_tool(f"the real-world fixture {root}", root.is_dir())
    unknown = [
        r
        for r in read_tree(root, "tyriis").helm_releases
        if r.chart.chart == "app-template" and app_template_render(r) is None
    ]
    assert unknown and all("${" in r.release_name for r in unknown)


# -- each naming rule against the chart, in every version ----------------------------------

VERSIONS = ["3.7.3", "4.1.1", "5.0.0"]


def pvc(**spec: Any) -> dict[str, Any]:
    return {"accessMode": "ReadWriteOnce", "size": "1Gi", **spec}


IMAGE = {"image": {"repository": "ghcr.io/example/app", "tag": "1.0.0"}}


def app(*containers: str, **spec: Any) -> dict[str, Any]:
    return {"containers": {c: dict(IMAGE) for c in containers or ("main",)}, **spec}


CASES: dict[str, dict[str, Any]] = {
    "one chart pvc": {"controllers": {"app": app()}, "persistence": {"data": pvc()}},
    "existingClaim and emptyDir do not count": {
        "controllers": {"app": app()},
        "persistence": {
            "data": pvc(storageClass="longhorn"),
            "media": {"existingClaim": "media"},
            "tmp": {"type": "emptyDir"},
        },
    },
    "two chart pvcs, one disabled": {
        "controllers": {"app": app()},
        "persistence": {"a": pvc(), "b": pvc(storageClass="-"), "c": pvc(enabled=None)},
    },
    "full name overrides": {
        "fullnameOverride": "docs",
        "controllers": {"app": app(), "worker": app()},
        "persistence": {"data": pvc()},
    },
    "global name override": {
        "global": {"nameOverride": "ngx"},
        "controllers": {"app": app()},
        "persistence": {"data": pvc(), "paperless-ngx": pvc()},
    },
    "item overrides of 3.x and 4.x": {
        "controllers": {"app": app(nameOverride="web", forceRename="Site")},
        "persistence": {
            "a": pvc(nameOverride="db"),
            "b": pvc(nameOverride="-", forceRename="Renamed"),
            "c": pvc(prefix="pre", suffix="suf"),
        },
    },
    "always append the identifier": {
        "global": {"alwaysAppendIdentifierToResourceName": True},
        "controllers": {"app": app()},
        "persistence": {"data": pvc()},
    },
    "release name templates": {
        "controllers": {"app": app("main", forceRename="{{ .Release.Name }}-web")},
        "persistence": {"data": {"existingClaim": "{{ .Release.Name }}-data"}},
    },
    "containers and mounts per controller": {
        "controllers": {
            "main": app("app", "sidecar", initContainers={"init": {**IMAGE, "nameOverride": "s"}}),
            "worker": app(containers={"app": {**IMAGE, "nameOverride": "work"}}),
        },
        "persistence": {
            "everywhere": pvc(),
            "global": pvc(globalMounts=[{"path": "/g"}]),
            "only-main": pvc(advancedMounts={"main": {"app": [{"path": "/m"}]}}),
            "nowhere": {"type": "emptyDir", "advancedMounts": {"main": {}}},
        },
    },
    "statefulset claim templates": {
        "controllers": {
            "db": app(
                type="statefulset",
                replicas=2,
                statefulset={
                    "volumeClaimTemplates": [
                        {**pvc(storageClass="longhorn"), "name": "data"},
                        {**pvc(), "name": "wal", "enabled": False},
                    ]
                },
            ),
            "web": app(),
        },
        "persistence": {"config": pvc()},
    },
}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_naming_rule_of_the_model_is_the_charts(case: str, version: str, tmp_path: Path) -> None:
    document = {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "paperless"},
        "spec": {
            "chart": {"spec": {"chart": "app-template", "version": version}},
            "values": CASES[case],
        },
    }
    model, render = model_and_render(release_in(tmp_path, yaml.safe_load(yaml.safe_dump(document))))
    assert model == render
