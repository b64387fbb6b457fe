"""Component patches aimed at names the tree writes with a Flux variable (``${APP}``).

Flux builds a path with kustomize first and substitutes ``postBuild`` variables in what the
build emits after: a patch's target must match the name as written, and kustomize skips one
that matches nothing without a word (no Litestream sidecar, no Longhorn labels).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.plan.assemble import _selector
from compiler.tree.fluxapps import written_name
from compiler.tree.fluxreleases import app_release
from compiler.tree.read import read_tree
from tests.conftest import RunCli
from tests.support.files import replace_once, substitute_in
from tests.support.validation import kustomize_build

APP = "out/kubernetes/apps/productivity/paperless"
LONGHORN_SOURCE = "recurring-job.longhorn.io/source"


def _named_by_flux(root: Path) -> Path:
    """The example with paperless's release and PVCs named ``${APP}...``, and its Flux
    Kustomization substituting ``APP: paperless``."""
    for file, old, new in (
        ("app/helmrelease.yaml", "  name: paperless\n", "  name: ${APP}\n"),
        ("app/pvc.yaml", "  name: paperless-data\n", "  name: ${APP}-data\n"),
        ("app/pvc.yaml", "  name: paperless-media\n", "  name: ${APP}-media\n"),
    ):
        path = root / APP / file
        text = path.read_text()
        assert text.count(old) == 1, (file, old)
        path.write_text(text.replace(old, new))
    flux = root / APP / "ks.yaml"
    text = flux.read_text()
    assert text.count("  postBuild:\n") == 1
    flux.write_text(
        text.replace("  postBuild:\n", "  postBuild:\n    substitute: {APP: paperless}\n")
    )
    return root


def test_the_written_name_of_an_object_flux_names(example: Path) -> None:
    inventory = read_tree(_named_by_flux(example) / "out", "out")
    app = APP.removeprefix("out/")
    assert written_name(inventory, app, "HelmRelease", "paperless") == "${APP}"
    assert written_name(inventory, app, "PersistentVolumeClaim", "paperless-data") == "${APP}-data"
    assert written_name(inventory, app, "PersistentVolumeClaim", "other") == "other"
    release = app_release(inventory, app, "paperless")
    assert release is not None and release.manifest.name == "${APP}"


def test_a_selector_escapes_only_a_written_variable() -> None:
    assert _selector("${APP}-data") == r"\$\{APP\}-data"
    assert _selector("paperless-data") == "paperless-data"
    assert _selector("app.config") == "app.config"


def _built(root: Path) -> dict[tuple[str, str], dict[str, Any]]:
    built = yaml.safe_load_all(kustomize_build(root / APP / "app"))
    return {(d["kind"], d["metadata"]["name"]): d for d in built if d}


@pytest.mark.integration
def test_the_sidecar_and_the_backup_labels_reach_objects_flux_names(
    example: Path, run_cli: RunCli, kubectl: str
) -> None:
    """Compiled, the app's kustomize build (as Flux runs it, before substituting) has the
    Litestream post-renderer on the release and Longhorn's labels on both PVCs."""
    root = _named_by_flux(example)
    assert run_cli("compile", "-q", cwd=root).exit_code == 0
    objects = _built(root)
    release = objects[("HelmRelease", "${APP}")]
    renderers = release["spec"]["postRenderers"][0]["kustomize"]["patches"]
    assert any("litestream" in r["patch"] for r in renderers)
    for claim in ("${APP}-data", "${APP}-media"):
        labels = objects[("PersistentVolumeClaim", claim)]["metadata"]["labels"]
        assert labels[LONGHORN_SOURCE] == "enabled", claim
    assert run_cli("check", "-q", cwd=root).exit_code == 0


CHART_APP = "out/kubernetes/apps/media/audiobookshelf"


@pytest.mark.integration
def test_labels_reach_the_pvcs_a_chart_makes_for_a_release_flux_names(
    example: Path, run_cli: RunCli, kubectl: str
) -> None:
    """audiobookshelf's release written ``name: ${APP}``: app-template names its PVCs
    after the release as Flux installs it (``audiobookshelf-config``), so the label patches
    go into the values of the release as written. Read as written, its render was unknown
    and compile stopped at BP405 for both PVCs."""
    release = example / CHART_APP / "app/helmrelease.yaml"
    replace_once(release, "\n  name: audiobookshelf\n", "\n  name: ${APP}\n")
    substitute_in(example / CHART_APP, "APP", "audiobookshelf")
    assert run_cli("compile", "-q", cwd=example).exit_code == 0
    built = yaml.safe_load_all(kustomize_build(example / CHART_APP / "app"))
    (release_built,) = [d for d in built if d and d["kind"] == "HelmRelease"]
    assert release_built["metadata"]["name"] == "${APP}"
    persistence = release_built["spec"]["values"]["persistence"]
    for key in ("config", "metadata"):
        assert persistence[key]["labels"][LONGHORN_SOURCE] == "enabled", key
    assert "labels" not in persistence["cache"]  # exempt
    assert run_cli("check", "-q", cwd=example).exit_code == 0


def test_a_name_whose_variable_has_no_value_here_fails_instead_of_skipping(
    example: Path, run_cli: RunCli
) -> None:
    """``${APP}-data`` with no ``APP`` in the app's Kustomization (a value from elsewhere,
    or none): kustomize would skip the label patch aimed at ``paperless-data``. BP405
    says so, where it once judged such a build unknown and said nothing."""
    path = example / APP / "app/pvc.yaml"
    path.write_text(path.read_text().replace("  name: paperless-data\n", "  name: ${APP}-data\n"))
    result = run_cli("check", cwd=example)
    assert result.exit_code == 1
    (line,) = [line for line in result.output.splitlines() if "[BP405]" in line]
    assert line.startswith("policies/services/paperless.yaml:")
    assert "PersistentVolumeClaim 'paperless-data' is not in the build of" in line
    assert "the build writes '${APP}-data' with a Flux variable" in line
