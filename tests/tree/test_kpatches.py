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


SUB_VALUES = {"persistence": {"config": {"type": "emptyDir", "globalMounts": [{"path": "/t"}]}}}
SUB_RELEASE = yaml.safe_dump(helm_release(SUB_VALUES, "4.1.1", name="other"))
EC_OPS = '[{"op": "add", "path": "/spec/values/persistence/config/existingClaim", "value": "k"}]'
LABELLED = yaml.safe_dump(helm_release(VALUES, "4.1.1", name="web")).replace(
    "  name: web\n", "  name: web\n  labels: {app: web}\n"
)
COMPONENT = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
CONFIG_NULL = MERGE.replace("      config: {existingClaim: config-kept}\n      media: null\n", "")
# each: the app's files besides hr.yaml (which the first, kustomization.yaml, lists)
SCENARIOS: dict[str, dict[str, str]] = {
    "label-selector": {
        "kustomization.yaml": "resources: [hr.yaml]\npatches:\n  - target: {labelSelector: "
        f"app=web}}\n    patch: '{EC_OPS}'\n",
        "hr.yaml": LABELLED,
    },
    "delete-directive": {
        "kustomization.yaml": "resources: [hr.yaml]\npatches: [{path: p.yaml}]\n",
        "p.yaml": MERGE.replace("config: {existingClaim: config-kept}", "config: {$patch: delete}"),
    },
    "components-in-order": {
        "kustomization.yaml": "resources: [hr.yaml]\ncomponents: [c1, c2]\n",
        "c1/kustomization.yaml": COMPONENT + "patches: [{path: p.yaml}]\n",
        "c1/p.yaml": CONFIG_NULL + "      config: {existingClaim: null}\n",
        "c2/kustomization.yaml": COMPONENT + "patches: [{path: p.yaml}]\n",
        "c2/p.yaml": CONFIG_NULL + "      config: {existingClaim: kept}\n",
    },
    "sibling-scope": {
        "kustomization.yaml": "resources: [hr.yaml, sub]\n",
        "sub/kustomization.yaml": "resources: [hr.yaml]\npatches:\n  - target: {kind: "
        f"HelmRelease}}\n    patch: '{EC_OPS}'\n",
        "sub/hr.yaml": SUB_RELEASE,
    },
    "one-line-inline-merge": {
        "kustomization.yaml": "resources: [hr.yaml]\npatchesStrategicMerge:\n  - '"
        '{"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "metadata": '
        '{"name": "web"}, "spec": {"values": {"persistence": {"config": {"existingClaim": '
        '"kept"}}}}}\'\n',
    },
    "kind-regex": {
        "kustomization.yaml": "resources: [hr.yaml]\npatches:\n  - target: {kind: Helm.*, "
        f"name: web}}\n    patch: '{EC_OPS}'\n",
    },
    "missing-patch-file": {
        "kustomization.yaml": "resources: [hr.yaml]\npatches: [{path: missing.yaml}]\n",
    },
    "values-not-a-map": {
        "kustomization.yaml": "resources: [hr.yaml]\npatches: [{path: p.yaml}]\n",
        "p.yaml": CONFIG_NULL.replace("  values:\n    persistence:\n", "  values: [1]\n"),
    },
    "test-op-and-list-index": {
        "kustomization.yaml": "resources: [hr.yaml]\npatches:\n  - target: {kind: HelmRelease,"
        ' name: web}\n    patch: \'[{"op": "test", "path": "/spec/values/persistence/media/size",'
        ' "value": "1Gi"}, {"op": "replace", "path": "/spec/values/persistence/config/'
        'globalMounts/0/path", "value": "/d"}, {"op": "remove", "path": '
        '"/spec/values/persistence/media"}]\'\n',
    },
}


def _reality(root: Path, kubectl: str) -> list[str] | None:
    """The PVCs the real chart makes for the release as kustomize builds it (None: the
    build or the render fails)."""
    try:
        built = list(yaml.safe_load_all(kustomize_build(root / APP, kubectl=kubectl)))
        (release,) = find_objects([d for d in built if d], "HelmRelease", "web")
        chart = needs_chart("4.1.1")
        documents = render_chart(chart, release["spec"]["values"], "web", "apps")
    except Exception:
        return None
    return sorted(d["metadata"]["name"] for d in find_objects(documents, "PersistentVolumeClaim"))


@pytest.mark.integration
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_the_compiler_names_the_real_pvcs_or_refuses_to_guess(
    scenario: str, tmp_path: Path, kubectl: str
) -> None:
    """Never silently wrong: the release's PVCs are those kustomize and the real chart
    make, or the release is unknown (the rules refuse the app's claims: BP405)."""
    files = {"hr.yaml": yaml.safe_dump(helm_release(VALUES, "4.1.1", name="web"))}
    files |= SCENARIOS[scenario]
    inventory = tree_of(tmp_path, {f"{APP}/{name}": text for name, text in files.items()})
    claims = app_claims(inventory, APP)
    assert claims is not None
    named = sorted(c.name for c in claims.claims)
    web_unknown = any(r.manifest.name == "web" for r in claims.unknown)
    reality = _reality(tmp_path, kubectl)
    assert web_unknown or named == reality, (named, reality)
    if scenario in ("components-in-order", "sibling-scope", "one-line-inline-merge"):
        assert not web_unknown and named == reality  # followed, not refused
    if scenario in ("kind-regex", "test-op-and-list-index"):
        assert not web_unknown and named == reality
