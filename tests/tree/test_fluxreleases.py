"""HelmReleases as Flux applies them: a release written ``${APP}`` renders under its value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from compiler.tree import Inventory
from compiler.tree.claims import app_claims
from compiler.tree.fluxreleases import app_release, release_at
from tests.tree.helpers import FLUX, helm_release, tree_of

SUBSTITUTE = "  postBuild:\n    substitute: {APP: %s}\n"
VALUES: dict[str, Any] = {
    "controllers": {"main": {"containers": {"app": {"image": {"repository": "r"}}}}},
    "persistence": {
        "config": {"accessMode": "ReadWriteOnce", "size": "1Gi"},
        "media": {"accessMode": "ReadWriteOnce", "size": "1Gi"},
        "cache": {"existingClaim": "${APP}-cache"},
    },
}


def _tree(tmp_path: Path, flux: dict[str, str], release: str = "apps/ns/app/hr.yaml") -> Inventory:
    files = {path: FLUX % args for path, args in _fluxes(flux).items()}
    files["apps/ns/app/kustomization.yaml"] = "resources: [hr.yaml]\n"
    files[release] = yaml.safe_dump(helm_release(VALUES, "4.1.1", name="${APP}"))
    return tree_of(tmp_path, files)


def _fluxes(flux: dict[str, str]) -> dict[str, tuple[str, str, str]]:
    return {
        f"flux/{name}.yaml": (name, "./apps/ns/app", SUBSTITUTE % value if value else "")
        for name, value in flux.items()
    }


def test_a_release_named_by_flux_renders_under_the_name_flux_gives_it(tmp_path: Path) -> None:
    inventory = _tree(tmp_path, {"jellyfin": "jellyfin"})
    (written,) = inventory.helm_releases
    found = release_at(inventory, written.manifest)
    assert found is not None
    release, render = found
    assert release.release_name == "jellyfin"
    assert release.manifest.name == "${APP}"  # patches aim at the name as written
    assert render is not None
    assert [p.name for p in render.pvcs] == ["jellyfin-config", "jellyfin-media"]
    assert render.claims == {
        "cache": "jellyfin-cache",
        "config": "jellyfin-config",
        "media": "jellyfin-media",
    }
    claims = app_claims(inventory, "apps/ns/app")
    assert claims is not None and not claims.unknown
    assert sorted(c.name for c in claims.claims) == ["jellyfin-config", "jellyfin-media"]
    assert app_release(inventory, "apps/ns/app", "jellyfin") == release


def test_a_release_stays_unknown_while_its_name_is_not_decided(tmp_path: Path) -> None:
    """No value for APP in the tree, or two apps giving it two values: no name, no render."""
    for flux in ({"plain": ""}, {"one": "jellyfin", "two": "plex"}):
        inventory = _tree(tmp_path / "-".join(flux), flux)
        (written,) = inventory.helm_releases
        assert release_at(inventory, written.manifest) == (written, None)
        claims = app_claims(inventory, "apps/ns/app")
        assert claims is not None and claims.unknown == (written,)


def test_a_release_without_variables_is_the_inventorys_own(tmp_path: Path) -> None:
    files = {
        "flux/app.yaml": FLUX % ("app", "./apps/ns/app", SUBSTITUTE % "x"),
        "apps/ns/app/kustomization.yaml": "resources: [hr.yaml]\n",
        "apps/ns/app/hr.yaml": yaml.safe_dump(helm_release({"persistence": {}}, "4.1.1")),
    }
    inventory = tree_of(tmp_path, files)
    (written,) = inventory.helm_releases
    assert release_at(inventory, written.manifest) is inventory.release_as_written(written.manifest)


COMPONENT = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [hr.yaml]\n"


def test_a_release_in_a_component_shared_by_apps_is_each_apps_own(tmp_path: Path) -> None:
    """tyriis's minecraft worlds: one ``${APP}`` release in a kustomize Component that
    each world's kustomization adds, each world's Flux Kustomization giving APP its value."""
    files = {
        "components/app/kustomization.yaml": COMPONENT,
        "components/app/hr.yaml": yaml.safe_dump(helm_release(VALUES, "4.1.1", name="${APP}")),
    }
    for world in ("lobby", "forge"):
        files[f"flux/{world}.yaml"] = FLUX % (world, f"./apps/ns/{world}", SUBSTITUTE % world)
        files[f"apps/ns/{world}/kustomization.yaml"] = "components: [../../../components/app]\n"
    inventory = tree_of(tmp_path, files)
    (written,) = inventory.helm_releases
    assert release_at(inventory, written.manifest) == (written, None)  # whose name?
    for world in ("lobby", "forge"):
        release = app_release(inventory, f"apps/ns/{world}", world)
        assert release is not None and release.release_name == world
        claims = app_claims(inventory, f"apps/ns/{world}")
        assert claims is not None and not claims.unknown
        assert sorted(c.name for c in claims.claims) == [f"{world}-config", f"{world}-media"]
    assert app_release(inventory, "apps/ns/lobby", "forge") is None


def test_a_variable_in_a_key_leaves_the_release_as_written(tmp_path: Path) -> None:
    """``persistence.${APP}``: kustomize's patches address the key as written, so a render
    under the substituted key would aim the labels at a second key (both in the build, one
    after Flux substitutes). The release is read as written: its name decides nothing."""
    values = {"persistence": {"${APP}": {"accessMode": "ReadWriteOnce", "size": "1Gi"}}}
    files = {
        "flux/app.yaml": FLUX % ("app", "./apps/ns/app", SUBSTITUTE % "jellyfin"),
        "apps/ns/app/kustomization.yaml": "resources: [hr.yaml]\n",
        "apps/ns/app/hr.yaml": yaml.safe_dump(helm_release(values, "4.1.1", name="${APP}")),
    }
    inventory = tree_of(tmp_path, files)
    (written,) = inventory.helm_releases
    assert release_at(inventory, written.manifest) == (written, None)


def test_a_value_from_a_configmap_of_the_tree_names_the_release(tmp_path: Path) -> None:
    """APP from ``substituteFrom`` a ConfigMap the tree holds, as Flux reads it."""
    config = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: vars}\ndata: {APP: jellyfin}\n"
    sources = "  postBuild:\n    substituteFrom: [{kind: ConfigMap, name: vars}]\n"
    files = {
        "flux/app.yaml": FLUX % ("app", "./apps/ns/app", sources),
        "flux/vars.yaml": config,
        "apps/ns/app/kustomization.yaml": "resources: [hr.yaml]\n",
        "apps/ns/app/hr.yaml": yaml.safe_dump(helm_release(VALUES, "4.1.1", name="${APP}")),
    }
    inventory = tree_of(tmp_path, files)
    (written,) = inventory.helm_releases
    found = release_at(inventory, written.manifest)
    assert found is not None and found[1] is not None
    assert [p.name for p in found[1].pvcs] == ["jellyfin-config", "jellyfin-media"]
