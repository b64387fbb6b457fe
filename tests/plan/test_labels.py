"""Label patches for PVCs that the tree does not write: claim templates, and their build."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.plan.labels import label_patch
from compiler.tree.claims import app_claims
from tests.support.validation import kustomize_build
from tests.tree.helpers import helm_release, tree_of

LABELS = {"backup-policy.io/service": "db", "tier": "gold"}
STS = """apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  selector: {matchLabels: {app: db}}
  template: {metadata: {labels: {app: db}}, spec: {containers: [{name: db, image: x}]}}
  volumeClaimTemplates:
    - metadata: {name: data%s}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
"""


def _patched(root: Path, files: dict[str, str], claim: str) -> tuple[Any, list[Any]]:
    """The patch for ``claim`` and the build of ``app`` with it applied."""
    found = app_claims(tree_of(root, files), "app")
    assert found is not None
    target, document = label_patch(claim, found.named(claim), LABELS)
    selector = {"kind": target.kind, "name": target.name}
    kustomization = {
        "resources": sorted(f.removeprefix("app/") for f in files if "kustomization" not in f),
        "patches": [{"path": "patch.yaml", "target": selector}],
    }
    (root / "app/patch.yaml").write_text(yaml.safe_dump(document))
    (root / "app/kustomization.yaml").write_text(json.dumps(kustomization))
    return document, list(yaml.safe_load_all(kustomize_build(root / "app")))


@pytest.mark.integration
@pytest.mark.parametrize("existing", ["", ", labels: {keep: me}"])
def test_a_claim_template_gets_its_labels(existing: str, tmp_path: Path, kubectl: str) -> None:
    files = {"app/kustomization.yaml": "resources: [sts.yaml]\n", "app/sts.yaml": STS % existing}
    document, built = _patched(tmp_path, files, "data-db-0")
    assert isinstance(document, list)  # JSON6902: a strategic merge would replace the templates
    (statefulset,) = built
    template = statefulset["spec"]["volumeClaimTemplates"][0]
    assert template["spec"]["resources"] == {"requests": {"storage": "1Gi"}}
    expected = LABELS | ({"keep": "me"} if existing else {})
    assert template["metadata"]["labels"] == expected


VALUES = {
    "controllers": {
        "db": {
            "type": "statefulset",
            "containers": {"app": {}},
            "statefulset": {"volumeClaimTemplates": [{"name": "data", "size": "1Gi"}]},
        }
    }
}


@pytest.mark.integration
def test_an_app_template_claim_template_is_patched_in_the_values(
    tmp_path: Path, kubectl: str
) -> None:
    files = {
        "app/kustomization.yaml": "resources: [hr.yaml]\n",
        "app/hr.yaml": yaml.safe_dump(helm_release(VALUES, "4.1.1")),
    }
    _, (release,) = _patched(tmp_path, files, "data-paperless-0")
    template = release["spec"]["values"]["controllers"]["db"]["statefulset"]
    assert template["volumeClaimTemplates"] == [{"name": "data", "size": "1Gi", "labels": LABELS}]


def test_templates_in_values_from_elsewhere_get_a_pvc_patch(tmp_path: Path) -> None:
    """The HelmRelease does not hold the template: a PVC patch, which BP405 refuses."""
    generated = "configMapGenerator: [{name: v, files: [values.yaml=v.yaml]}]\n"
    release = helm_release(None, "4.1.1")
    release["spec"]["valuesFrom"] = [{"kind": "ConfigMap", "name": "v"}]
    files = {
        "app/kustomization.yaml": "resources: [hr.yaml]\n" + generated,
        "app/hr.yaml": yaml.safe_dump(release),
        "app/v.yaml": yaml.safe_dump(VALUES),
    }
    found = app_claims(tree_of(tmp_path, files), "app")
    assert found is not None
    target, _ = label_patch("data-paperless-0", found.named("data-paperless-0"), LABELS)
    assert (target.kind, target.name) == ("PersistentVolumeClaim", "data-paperless-0")
