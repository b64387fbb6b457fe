"""The objects of a kustomize build, followed through the inventory the way kustomize would."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.tree import UnknownBuild
from tests.tree.helpers import tree_of

KUSTOMIZATION = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"


def pvc(name: str) -> str:
    return f"apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: {name}\n"


def test_objects_follow_resources_folders_and_components(tmp_path: Path) -> None:
    inventory = tree_of(
        tmp_path,
        {
            "app/kustomization.yaml": KUSTOMIZATION
            + "resources: [a.yaml, sub]\ncomponents: [../extra, ./backup]\n",
            "app/a.yaml": pvc("a") + "---\n" + pvc("a2"),
            "app/sub/kustomization.yml": KUSTOMIZATION + "resources: [b.yaml]\n",
            "app/sub/b.yaml": pvc("b"),
            "app/unlisted.yaml": pvc("unlisted"),
            "extra/kustomization.yaml": "kind: Component\nresources: [c.yaml]\n",
            "extra/c.yaml": pvc("c"),
            "app/backup/kustomization.yaml": "kind: Component\nresources: [d.yaml]\n",
            "app/backup/d.yaml": pvc("generated"),
        },
    )
    objects = inventory.build_objects("app", skip="app/backup")
    assert {name for _, name in objects} == {"a", "a2", "b", "c"}


@pytest.mark.parametrize(
    "kustomization, files",
    [
        ("resources: [https://github.com/example/app//deploy?ref=v1]\n", {}),
        ("resources: [github.com/example/app/deploy]\n", {}),
        ("helmCharts: [{name: app, repo: https://example.invalid}]\n", {}),
        ("resources: [missing.yaml]\n", {}),
        ("resources: [pvc.yaml]\n", {"pvc.yaml": pvc("${APP}-data")}),
        ("resources: [" + "a" * 300 + "]\n", {}),
        ("resources: [../../outside.yaml]\n", {}),
    ],
    ids=[
        "remote-url",
        "remote-github",
        "helm-charts",
        "missing-file",
        "flux-variable",
        "too-long",
        "outside-the-root",
    ],
)
def test_builds_that_cannot_be_read_here_are_not_judged(
    tmp_path: Path, kustomization: str, files: dict[str, str]
) -> None:
    inventory = tree_of(tmp_path, {"kustomization.yaml": KUSTOMIZATION + kustomization, **files})
    with pytest.raises(UnknownBuild):
        inventory.build_objects(".", skip="backup")
