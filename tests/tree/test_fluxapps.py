"""Which Flux Kustomizations apply an app's build, and whether they substitute."""

from __future__ import annotations

from pathlib import Path

from compiler.tree.fluxapps import applying_folder, substitutes
from tests.tree.helpers import FLUX, tree_of

DEPLOY = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: %s}\n"


def _applied(tmp_path: Path) -> dict[str, list[tuple[str, bool]]]:
    files = {
        # an app with its own Kustomization, without and with a postBuild variable
        "flux/plain.yaml": FLUX % ("plain", "./apps/ns/plain/app", ""),
        "flux/vars.yaml": FLUX
        % (
            "vars",
            "./apps/ns/vars/app",
            "  postBuild:\n    substituteFrom: [{kind: ConfigMap, name: s}]\n",
        ),
        "apps/ns/plain/app/kustomization.yaml": "resources: [d.yaml]\n",
        "apps/ns/plain/app/d.yaml": DEPLOY % "plain",
        "apps/ns/vars/app/kustomization.yaml": "resources: [d.yaml]\n",
        "apps/ns/vars/app/d.yaml": DEPLOY % "vars",
        # a path without a kustomization.yaml: Flux generates one from its kustomized
        # sub-folders, which list the app
        "flux/all.yaml": FLUX % ("all", "./cluster", "  postBuild:\n    substitute: {A: b}\n"),
        "cluster/net/kustomization.yaml": "resources: [./ipam]\n",
        "cluster/net/ipam/kustomization.yaml": "resources: [d.yaml]\n",
        "cluster/net/ipam/d.yaml": DEPLOY % "ipam",
        "nobody/kustomization.yaml": "resources: [d.yaml]\n",
        "nobody/d.yaml": DEPLOY % "nobody",
    }
    inventory = tree_of(tmp_path, files)
    folders = ("apps/ns/plain/app", "apps/ns/vars/app", "cluster/net/ipam", "nobody")
    return {
        folder: [(f.manifest.name, substitutes(f)) for f in applying_folder(inventory, folder)]
        for folder in folders
    }


def test_an_apps_build_is_applied_by_the_kustomizations_that_build_it(tmp_path: Path) -> None:
    assert _applied(tmp_path) == {
        "apps/ns/plain/app": [("plain", False)],
        "apps/ns/vars/app": [("vars", True)],
        "cluster/net/ipam": [("all", True)],
        "nobody": [],
    }


def test_a_kustomization_of_another_repository_applies_none_of_this_tree(
    tmp_path: Path,
) -> None:
    """An upstream project's GitRepository, built from its root (no ``spec.path``), next to
    the two Kustomizations of this repository: only this repository's apply its files."""
    own = "  sourceRef: {kind: GitRepository, name: flux-system}\n"
    upstream = "  sourceRef: {kind: GitRepository, name: crds-upstream}\n"
    files = {
        "flux/apps.yaml": FLUX % ("apps", "./apps", own + "  postBuild:\n    substitute: {A: b}\n"),
        "flux/infra.yaml": FLUX % ("infra", "./infra", own),
        "flux/crds.yaml": FLUX % ("crds", "''", upstream),
        "apps/ns/web/kustomization.yaml": "resources: [d.yaml]\n",
        "apps/ns/web/d.yaml": DEPLOY % "web",
    }
    inventory = tree_of(tmp_path, files)
    applied = applying_folder(inventory, "apps/ns/web")
    assert [(f.manifest.name, substitutes(f)) for f in applied] == [("apps", True)]
