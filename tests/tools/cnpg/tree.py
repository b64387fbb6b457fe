"""A small tree with one CloudNativePG cluster: the acceptance base plus a ``cnpg:`` class
block, a service with ``postgres:`` and the Cluster manifest, compiled in memory."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from compiler.config import RunConfig
from compiler.pipeline.build import BuildResult, build
from tests.conftest import REPO

BASE = REPO / "tests" / "cases" / "base"
APP = "kubernetes/apps/apps/web"
CLUSTER = """apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: web-db
spec:
  instances: 1
  storage:
    size: 1Gi
"""


def make_tree(
    root: Path,
    *,
    cnpg: Mapping[str, Any] | None = None,
    target: Mapping[str, Any] | None = None,
    postgres: list[dict[str, str]] | None = None,
    cluster_yaml: str = CLUSTER,
) -> Path:
    """The base case with the important class backing up ``postgres`` by cnpg."""
    shutil.copytree(BASE, root, dirs_exist_ok=True)
    policy = yaml.safe_load((root / "policies/cluster.yaml").read_text())
    important = policy["spec"]["classes"]["important"]
    important["methods"] = [*important["methods"], "cnpg"]
    important["cnpg"] = {"target": "garage", **(cnpg or {})}
    policy["spec"]["targets"]["garage"].update(target or {})
    (root / "policies/cluster.yaml").write_text(yaml.safe_dump(policy, sort_keys=False))
    service = yaml.safe_load((root / "policies/services/web.yaml").read_text())
    service["spec"]["postgres"] = postgres or [{"cluster": "web-db"}]
    (root / "policies/services/web.yaml").write_text(yaml.safe_dump(service, sort_keys=False))
    app = root / "out" / APP
    (app / "cluster.yaml").write_text(cluster_yaml)
    kustomization = yaml.safe_load((app / "kustomization.yaml").read_text())
    kustomization["resources"].append("./cluster.yaml")
    (app / "kustomization.yaml").write_text(yaml.safe_dump(kustomization, sort_keys=False))
    return root


def compile_tree(root: Path) -> BuildResult:
    result = build(RunConfig(policies=root / "policies", output=root / "out"))
    assert result.outputs is not None, result.diagnostics.sorted()
    assert not [d for d in result.diagnostics.sorted() if d.level == "error"]
    return result


def objects(outputs: Mapping[str, str], kind: str) -> list[dict[str, Any]]:
    """Every generated object of ``kind`` (patches excepted)."""
    return [
        document
        for path, text in sorted(outputs.items())
        if "/patches/" not in path and not path.endswith(".md")
        for document in yaml.safe_load_all(text)
        if isinstance(document, dict) and document.get("kind") == kind
    ]


def cluster_patch(outputs: Mapping[str, str], cluster: str = "web-db") -> Any:
    path = f"{APP}/backup/patches/cnpg-{cluster}.yaml"
    return next(d for d in yaml.safe_load_all(outputs[path]) if d is not None)
