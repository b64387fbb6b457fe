"""The backup Component reaches what bjw-s app-template really renders.

For app-template apps of the example and of the real-world trees: compile, build the app
with its Component (``kubectl kustomize``), take the patched HelmRelease, render the real
chart with its merged values and apply its post-renderers as helm-controller does
(``tests/support/charts.py``). The Litestream sidecar, its restore init container and its
config volume must be in the workload the chart renders, and the backup labels on every PVC
the policy names: a chart-created PVC gets them through ``persistence.<key>.labels`` (the
HelmRelease values patch of ``compiler/plan/labels.py``), a hand-written one through its own
patch. The real-world apps are copied into a temporary tree (the compile writes next to them);
the repository never holds them.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.config import RunConfig
from compiler.pipeline.build import build
from compiler.tree.fluxreleases import app_release
from compiler.tree.helm import merge
from compiler.tree.read import read_tree
from tests.conftest import REPO, realworld_dir, require_tool
from tests.support.charts import (
    Document,
    container_names,
    find_object,
    labels_of,
    render_helmrelease,
    volume_names,
)
from tests.support.validation import kustomize_build
from tests.tree.chart_model import CHART_OF_MAJOR, needs_chart

SERVICE = "backup-policy.io/service"
LITESTREAM = ("litestream", "litestream-restore", "litestream-config")


@dataclass(frozen=True)
class App:
    """An app to compile: where its files come from and the policy to write for it."""

    label: str
    app_dir: str
    release: str
    claims: tuple[str, ...]
    sqlite: bool
    source: Path | None = None
    files: dict[str, str] = field(default_factory=dict)
    policy: dict[str, Any] = field(default_factory=dict)


def _policy(name: str, namespace: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "backup-policy/v1alpha1",
        "kind": "ServicePolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"classification": "important", "owner": "ops", "storage": "external", **spec},
    }


KUSTOMIZATION = "resources: [./helm-release.yaml]\ncomponents: [../backup]\n"
TUXPEOPLE = "tuxpeople__k8s-homelab/kubernetes/apps/productivity/paperless/app"
TYRIIS = "tyriis__home-ops/kubernetes/main/apps"

APPS = [
    App("example-paperless-3.7.3", "kubernetes/apps/productivity/paperless", "paperless",
        ("paperless-data", "paperless-media"), sqlite=True),
    App("example-audiobookshelf-4.1.1-chartRef", "kubernetes/apps/media/audiobookshelf",
        "audiobookshelf", ("audiobookshelf-config", "audiobookshelf-metadata"), sqlite=True),
    App("tuxpeople-paperless-3.7.3-valuesFrom", "kubernetes/apps/productivity/paperless",
        "paperless", ("paperless-database",), sqlite=False, source=Path(TUXPEOPLE),
        files={"helm-release.yaml": "helmrelease.yaml", "values.yaml": "values.yaml"},
        policy=_policy("paperless", "productivity", methods=["k8up"],
                       workload={"kind": "HelmRelease", "name": "paperless", "controller": "app"},
                       volumes=[{"name": "database", "claim": "paperless-database"}])),
    App("tyriis-whisper-5.x-forceRename", "kubernetes/apps/voice-assistant/whisper", "whisper",
        ("whisper-data",), sqlite=True, source=Path(f"{TYRIIS}/voice-assistant/whisper/app"),
        files={"helm-release.yaml": "helm-release.yaml"},
        policy=_policy("whisper", "voice-assistant", methods=["k8up"],
                       workload={"kind": "HelmRelease", "name": "whisper", "controller": "whisper",
                                 "container": "app"},
                       volumes=[{"name": "data", "claim": "whisper-data", "mountPath": "/data"}],
                       sqlite=[{"path": "/data/whisper.db", "volume": "data"}])),
    App("tyriis-immich-5.x-two-controllers", "kubernetes/apps/media/immich", "immich",
        ("immich",), sqlite=False, source=Path(f"{TYRIIS}/media/immich/app"),
        files={"helm-release.yaml": "helm-release.yaml"},
        policy=_policy("immich", "media", methods=["k8up"],
                       workload={"kind": "HelmRelease", "name": "immich",
                                 "controller": "machine-learning"},
                       volumes=[{"name": "ml-cache", "claim": "immich"}])),
]  # fmt: skip


def _tree(app: App, root: Path) -> Path:
    """The example, or a tree with the example's cluster policy and one real-world app."""
    shutil.copytree(REPO / "policies", root / "policies")
    if app.source is None:
        shutil.copytree(REPO / "out", root / "out")
        return root
    source = realworld_dir() / app.source
    require_tool(f"the real-world fixture {source}", source.is_dir())
    for path in (root / "policies/services").iterdir():
        path.unlink()
    (root / "policies/restore-tests.yaml").unlink()
    (root / "policies/services/app.yaml").write_text(yaml.safe_dump(app.policy))
    folder = root / "out" / app.app_dir / "app"
    folder.mkdir(parents=True)
    for target, name in app.files.items():
        shutil.copyfile(source / name, folder / target)
    generator = "configMapGenerator: [{name: paperless-values, files: [values.yaml]}]\n"
    options = "generatorOptions: {disableNameSuffixHash: true}\n"
    extra = generator + options if "values.yaml" in app.files else ""
    (folder / "kustomization.yaml").write_text(KUSTOMIZATION + extra)
    return root


def _compiled(root: Path) -> None:
    """Write what a compile plans (the tree rules about Flux wiring are not this test's)."""
    result = build(RunConfig(policies=root / "policies", output=root / "out"))
    problems = [d for d in result.diagnostics.items if d.level == "error"]
    assert result.outputs is not None, problems
    assert not [d for d in problems if d.rule in ("BP372", "BP405", "BP421")], problems
    for path, text in result.outputs.items():
        target = root / "out" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def _values(built: list[Document], release: Document) -> dict[str, Any]:
    """spec.values over its valuesFrom ConfigMaps, as helm-controller merges them."""
    merged: dict[str, Any] = {}
    for source in release["spec"].get("valuesFrom") or []:
        config_map = find_object(built, "ConfigMap", source["name"])
        merged = merge(merged, yaml.safe_load(config_map["data"][source["valuesKey"]]))
    return merge(merged, release["spec"].get("values") or {})


def _chart(root: Path, app: App) -> Path:
    """The chart the release pins: ``spec.chart``, or its ``chartRef``'s OCIRepository."""
    release = app_release(read_tree(root / "out", "out"), app.app_dir, app.release)
    assert release is not None
    return needs_chart(CHART_OF_MAJOR[int(release.chart.version.split(".")[0])])


@pytest.mark.integration
@pytest.mark.parametrize("app", APPS, ids=[a.label for a in APPS])
def test_the_component_lands_on_what_the_chart_renders(
    app: App, tmp_path: Path, kubectl: str
) -> None:
    root = _tree(app, tmp_path / "tree")
    _compiled(root)
    built = [d for d in yaml.safe_load_all(kustomize_build(root / "out" / app.app_dir / "app"))]
    release = find_object(built, "HelmRelease", app.release)
    release["metadata"].setdefault("namespace", "apps")
    chart = _chart(root, app)
    rendered = render_helmrelease(
        release, chart, tmp_path / "render", kubectl, _values(built, release)
    )
    claims = {
        d["metadata"]["name"]: d for d in built + rendered if d["kind"] == "PersistentVolumeClaim"
    }
    for claim in app.claims:
        assert labels_of(claims[claim]).get(SERVICE) == app.policy.get("metadata", {}).get(
            "name", app.release
        ), claim
    unlabelled = [n for n, d in claims.items() if n not in app.claims and SERVICE in labels_of(d)]
    assert unlabelled == []  # the exempt cache, and PVCs no policy names, stay as they are
    if app.sqlite:
        target = release["spec"]["postRenderers"][0]["kustomize"]["patches"][0]["target"]
        workload = find_object(rendered, target["kind"], target["name"])
        assert "litestream" in container_names(workload)
        assert "litestream-restore" in container_names(workload, init=True)
        assert "litestream-config" in volume_names(workload)
