"""A release as its app's kustomization patches it, against kustomize and the real chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.tree.claims import app_claims
from compiler.tree.fluxreleases import app_release
from compiler.tree.kpatches import patches_of
from compiler.tree.records import KustomizePatch
from tests.support.charts import find_objects, render_chart
from tests.support.validation import kustomize_build
from tests.tree.chart_model import needs_chart
from tests.tree.helpers import helm_release, tree_of

APP = "apps/ns/web"
VALUES: dict[str, Any] = {
    "controllers": {"main": {"containers": {"app": {"image": {"repository": "r", "tag": "1"}}}}},
    "persistence": {
        "config": {"accessMode": "ReadWriteOnce", "size": "1Gi", "globalMounts": [{"path": "/c"}]},
        "media": {"accessMode": "ReadWriteOnce", "size": "1Gi", "globalMounts": [{"path": "/m"}]},
    },
}
# the config PVC kept by hand elsewhere, the media one dropped, a cache added (JSON6902)
MERGE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: web}
spec:
  values:
    persistence:
      config: {existingClaim: config-kept}
      media: null
"""
JSON6902 = """- op: add
  path: /spec/values/persistence/cache
  value: {accessMode: ReadWriteOnce, size: 1Gi, globalMounts: [{path: /x}]}
"""
KUSTOMIZATION = """resources: [hr.yaml]
patches:
  - path: merge.yaml
  - target: {kind: HelmRelease, name: web}
    patch: |
"""


def _tree(tmp_path: Path) -> Path:
    inline = "".join(f"      {line}\n" for line in JSON6902.splitlines())
    files = {
        f"{APP}/kustomization.yaml": KUSTOMIZATION + inline,
        f"{APP}/hr.yaml": yaml.safe_dump(helm_release(VALUES, "4.1.1", name="web")),
        f"{APP}/merge.yaml": MERGE,
    }
    tree_of(tmp_path, files)
    return tmp_path


def test_the_patch_entries_of_a_kustomization_are_read() -> None:
    data = {
        "patches": [{"path": "a.yaml"}, {"patch": "x", "target": {"kind": "HelmRelease"}}],
        "patchesStrategicMerge": ["../b.yaml", "kind: HelmRelease\nmetadata: {name: c}\n"],
        "patchesJson6902": [{"target": {"name": "d", "labelSelector": "a=b"}, "path": "d.yaml"}],
    }
    assert patches_of("apps/web", data) == (
        KustomizePatch(path="apps/web/a.yaml"),
        KustomizePatch(text="x", kind="HelmRelease"),
        KustomizePatch(path="apps/web/d.yaml", name="d", selector=True),
        KustomizePatch(path="apps/b.yaml"),
        KustomizePatch(text="kind: HelmRelease\nmetadata: {name: c}\n"),
    )


def test_the_release_and_its_pvcs_are_the_patched_ones(tmp_path: Path) -> None:
    inventory = tree_of(_tree(tmp_path), {})
    release = app_release(inventory, APP, "web")
    assert release is not None and release.values is not None
    assert release.values["persistence"]["config"]["existingClaim"] == "config-kept"
    claims = app_claims(inventory, APP)
    assert claims is not None and not claims.unknown
    assert sorted(c.name for c in claims.claims) == [
        "web"
    ]  # one chart PVC: named after the release


@pytest.mark.integration
def test_the_patched_pvcs_are_those_kustomize_and_the_chart_make(
    tmp_path: Path, kubectl: str
) -> None:
    """The truth: kustomize builds the app (both patches applied), the real app-template
    4.1.1 chart renders the built release's values."""
    root = _tree(tmp_path)
    built = yaml.safe_load_all(kustomize_build(root / APP, kubectl=kubectl))
    (release,) = [d for d in built if d and d["kind"] == "HelmRelease"]
    documents = render_chart(needs_chart("4.1.1"), release["spec"]["values"], "web", "apps")
    made = sorted(d["metadata"]["name"] for d in find_objects(documents, "PersistentVolumeClaim"))
    claims = app_claims(tree_of(root, {}), APP)
    assert claims is not None
    assert (
        made == sorted(c.name for c in claims.claims) == ["web"]
    )  # one chart PVC: named after the release


def test_a_patch_that_renames_the_release_leaves_its_pvcs_unknown(tmp_path: Path) -> None:
    files = {
        f"{APP}/kustomization.yaml": "resources: [hr.yaml]\npatches: [{path: rename.yaml}]\n",
        f"{APP}/hr.yaml": yaml.safe_dump(helm_release(VALUES, "4.1.1", name="web")),
        f"{APP}/rename.yaml": MERGE.replace("  values:", "  releaseName: other\n  values:"),
    }
    inventory = tree_of(tmp_path, files)
    claims = app_claims(inventory, APP)
    assert claims is not None and claims.claims == () and len(claims.unknown) == 1
