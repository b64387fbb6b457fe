"""Small trees for the tree stage's tests: files written to a folder, then read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from compiler.tree import HelmRelease, Inventory
from compiler.tree.read import read_tree

FLUX = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: %s, namespace: flux-system}
spec:
  path: %s
%s"""
"""A Flux Kustomization: ``FLUX % (name, path, more spec lines)``."""


def write_files(root: Path, files: dict[str, str]) -> None:
    """Write ``files`` (relative path -> text) under ``root``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def tree_of(root: Path, files: dict[str, str]) -> Inventory:
    """Write ``files`` (relative path -> text) under ``root`` and read it as the output root."""
    write_files(root, files)
    return read_tree(root, ".")


def helm_release(
    values: dict[str, Any] | None = None,
    version: str = "3.7.3",
    name: str = "paperless",
    **spec: Any,
) -> dict[str, Any]:
    """A Flux HelmRelease of app-template (``values`` inline; more ``spec`` keys as given)."""
    chart = {"spec": {"chart": "app-template", "version": version}}
    body: dict[str, Any] = {"chart": chart, **spec}
    if values is not None:
        body["values"] = values
    return {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": name},
        "spec": body,
    }


def release_in(
    root: Path, document: dict[str, Any], files: dict[str, str] | None = None
) -> HelmRelease:
    """Write ``document`` to app/helmrelease.yaml (plus ``files`` under app/) and read it."""
    texts = {"app/helmrelease.yaml": yaml.safe_dump(document)}
    texts |= {f"app/{rel}": text for rel, text in (files or {}).items()}
    inventory = tree_of(root, texts)
    (found,) = inventory.helm_releases
    return found
