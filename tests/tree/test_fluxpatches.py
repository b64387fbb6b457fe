"""Flux Kustomizations as the patches of those applying them leave their postBuild."""

from __future__ import annotations

from pathlib import Path

from compiler.tree.fluxapps import substitutes
from tests.conftest import RunCli
from tests.tree.helpers import FLUX, tree_of

# the cluster template's parent: every child Kustomization it applies gets substituteFrom
PATCHES = """  patches:
    - patch: |-
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata: {name: not-used}
        spec:
          postBuild:
            substituteFrom: [{kind: ConfigMap, name: cluster-settings}]
            substitute: {CLUSTER: home}
      target: {group: kustomize.toolkit.fluxcd.io, kind: Kustomization%s}
"""


def _children(tmp_path: Path, target: str = "") -> dict[str, tuple[bool, dict[str, str]]]:
    files = {
        "flux/apps.yaml": FLUX % ("apps", "./apps", PATCHES % target),
        "apps/web/ks.yaml": FLUX % ("web", "./apps/web/app", "")
        + "  postBuild: {substitute: {APP: web}}\n",
        "apps/db/ks.yaml": FLUX.replace("metadata: {", "metadata: {labels: {tier: db}, ")
        % ("db", "./apps/db/app", ""),
        "other/ks.yaml": FLUX % ("other", "./other/app", ""),  # not applied by apps
    }
    inventory = tree_of(tmp_path, files)
    return {
        k.manifest.name: (substitutes(k), dict(k.substitute))
        for k in inventory.flux_kustomizations
        if k.manifest.name != "apps"
    }


def test_a_parents_patch_makes_every_child_it_applies_substitute(tmp_path: Path) -> None:
    assert _children(tmp_path) == {
        "web": (True, {"APP": "web", "CLUSTER": "home"}),
        "db": (True, {"CLUSTER": "home"}),
        "other": (False, {}),
    }


def test_a_patch_target_selects_by_name_and_labels(tmp_path: Path) -> None:
    by_name = _children(tmp_path / "name", ", name: we.*")
    assert (by_name["web"][0], by_name["db"][0]) == (True, False)
    by_label = _children(tmp_path / "label", ", labelSelector: tier=db")
    assert (by_label["web"][1], by_label["db"][0]) == ({"APP": "web"}, True)


def test_the_generated_scripts_are_escaped_where_the_parent_makes_flux_substitute(
    example: Path, run_cli: RunCli
) -> None:
    """linkding's ks.yaml has no postBuild, but cluster-apps patches every child with a
    substituteFrom (the cluster template's pattern): Flux substitutes linkding's objects,
    so the verify script's shell variables are written ``$${VAR}``, which Flux turns back
    into ``${VAR}`` (unescaped, Flux would have replaced them with empty strings)."""
    entry = example / "out/kubernetes/flux/cluster/ks.yaml"
    entry.write_text(entry.read_text() + (PATCHES % "").replace("substitute: {CLUSTER: home}", ""))
    assert run_cli("compile", "-q", cwd=example).exit_code == 0
    verify = "out/kubernetes/apps/productivity/linkding/backup/litestream-verify.yaml"
    text = (example / verify).read_text()
    assert "root=$${VERIFY_ROOT:-}" in text and "root=${VERIFY_ROOT:-}" not in text
    assert run_cli("check", "-q", cwd=example).exit_code == 0
