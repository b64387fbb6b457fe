"""The VolSync pattern most Flux homelabs use, built as Flux builds it: a shared Component
(``components/volsync``: the PVC, its ReplicationSource and ReplicationDestination) added by
each app's Flux Kustomization (``spec.components``) and filled by its
``postBuild.substitute`` (``${APP}``, ``${VOLSYNC_CAPACITY:=5Gi}``).

Read in place from the tyriis tree of ../shared/realworld: kustomize builds the app's path
with the Component, the variables are substituted as kustomize-controller does, and every
object validates against the closed VolSync CRD; what ``import`` reads from the same
objects is what the build holds.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.tools.volsync.importer import import_existing
from compiler.tree import Inventory
from compiler.tree.fluxapps import substitute
from compiler.tree.read import read_tree
from compiler.tree.records import FluxKustomization
from tests.conftest import IN_CI, realworld_dir
from tests.support.validation.kustomize import kustomize_build
from tests.support.validation.schemas import SchemaRegistry

TYRIIS = realworld_dir() / "tyriis__home-ops"
APPS = ("open-webui", "karakeep", "syncthing")  # three of its 31 VolSync apps


def _tree() -> Inventory:
    if not TYRIIS.is_dir():
        reason = f"the realworld tree {TYRIIS} is missing"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    return read_tree(TYRIIS, "tyriis")


def _flux(inventory: Inventory, app: str) -> FluxKustomization:
    found = [
        k
        for k in inventory.flux_kustomizations
        if k.manifest.name == app and any("components/volsync" in c for c in k.components)
    ]
    assert len(found) == 1, [k.manifest.file for k in found]
    return found[0]


def _built(flux: FluxKustomization, tmp_path: Path, kubectl: str) -> list[dict[str, Any]]:
    """kustomize build of ``spec.path`` plus ``spec.components``, then postBuild."""
    path = TYRIIS / flux.path.removeprefix("./")
    folder = tmp_path / flux.manifest.name
    folder.mkdir()
    resources = [os.path.relpath(path, folder)]
    components = [os.path.relpath((path / c).resolve(), folder) for c in flux.components]
    (folder / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "resources": resources,
                "components": components,
            }
        )
    )
    text = substitute(kustomize_build(folder, kubectl=kubectl), flux.substitute)
    assert text is not None, "a variable with no value and no default"
    assert "${" not in text
    return [d for d in yaml.safe_load_all(text) if d]


@pytest.mark.parametrize("app", APPS)
def test_the_component_builds_and_validates_after_substitution(
    app: str, tmp_path: Path, kubectl: str, schema_registry: SchemaRegistry
) -> None:
    inventory = _tree()
    flux = _flux(inventory, app)
    built = _built(flux, tmp_path, kubectl)
    volsync = [d for d in built if d["apiVersion"].startswith("volsync.backube/")]
    assert {d["kind"] for d in volsync} == {"ReplicationSource", "ReplicationDestination"}
    for document in volsync:
        assert schema_registry.validate_object(document) == [], document["metadata"]["name"]
    source = next(d for d in volsync if d["kind"] == "ReplicationSource")
    claim = f"{app}-{flux.substitute.get('VOLSYNC_SUFFIX', 'data')}"
    assert source["metadata"]["name"] == claim and source["spec"]["sourcePVC"] == claim
    assert source["spec"]["restic"]["repository"] == f"{claim}-volsync-minio"
    capacity = flux.substitute.get("VOLSYNC_CAPACITY", "5Gi")
    assert source["spec"]["restic"]["capacity"] == capacity

    # import reads the same source from the tree, substituted for this app: the PVC's copy
    # every two hours (the Component's schedule), kept like the built source keeps it
    (copy,) = [c for c in import_existing(inventory).copies if c.item == f"pvc/{claim}"]
    assert copy.tool == "volsync" and copy.gap == 2 * 3600
    assert copy.block["retain"] == source["spec"]["restic"]["retain"]
