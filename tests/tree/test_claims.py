"""The PVCs of an app's build: written in the tree, created by app-template, or by a
StatefulSet's volumeClaimTemplates."""

from __future__ import annotations

from pathlib import Path

import yaml

from compiler.tree.claims import app_claims
from tests.tree.helpers import helm_release, tree_of

KUSTOMIZATION = "resources: [./pvc.yaml, ./sts.yaml, ./helmrelease.yaml, ./other.yaml]\n"
PVC = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: written}\n"
STS = """apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  volumeClaimTemplates:
    - metadata: {name: data}
      spec: {storageClassName: longhorn}
"""
VALUES = {
    "controllers": {
        "main": {"containers": {"app": {}}},
        "cache": {
            "type": "statefulset",
            "containers": {"app": {}},
            "statefulset": {"volumeClaimTemplates": [{"name": "wal", "storageClass": "fast"}]},
        },
    },
    "persistence": {
        "config": {"storageClass": "longhorn"},
        "media": {"existingClaim": "media"},
        "tmp": {"type": "emptyDir"},
    },
}


def _tree(root: Path) -> dict[str, str]:
    other = helm_release({}, name="other")
    other["spec"]["chart"]["spec"]["chart"] = "bitnami-postgresql"
    return {
        "app/kustomization.yaml": KUSTOMIZATION,
        "app/pvc.yaml": PVC,
        "app/sts.yaml": STS,
        "app/helmrelease.yaml": yaml.safe_dump(helm_release(VALUES, "4.1.1")),
        "app/other.yaml": yaml.safe_dump(other),
    }


def test_every_source_of_a_pvc_is_known(tmp_path: Path) -> None:
    found = app_claims(tree_of(tmp_path, _tree(tmp_path)), "app")
    assert found is not None
    assert [(c.name, c.source, c.storage_class, c.described) for c in found.claims] == [
        ("written", "manifest", "", "written in the tree"),
        ("data-db-0", "template", "longhorn", "volumeClaimTemplates data of StatefulSet db"),
        ("data-db-1", "template", "longhorn", "volumeClaimTemplates data of StatefulSet db"),
        ("paperless", "chart", "longhorn", "persistence.config of HelmRelease paperless"),
        (
            "wal-paperless-cache-0",
            "template",
            "fast",
            "volumeClaimTemplates wal of HelmRelease paperless",
        ),
    ]
    assert [r.manifest.name for r in found.unknown] == ["other"]  # another chart
    assert found.named("paperless") is not None and found.named("media") is None


def test_an_unknown_build_claims_nothing(tmp_path: Path) -> None:
    files = _tree(tmp_path) | {"app/kustomization.yaml": "resources: [./missing.yaml]\n"}
    assert app_claims(tree_of(tmp_path, files), "app") is None
    assert app_claims(tree_of(tmp_path / "none", {}), "app") is None
