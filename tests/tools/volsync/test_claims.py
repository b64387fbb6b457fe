"""The PVC a VolSync service backs up, found where the tree writes it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import RunCli
from tests.support.files import replace_once, substitute_in
from tests.support.validation import kustomize_build

JELLYFIN = "out/kubernetes/apps/media/jellyfin"


@pytest.mark.integration
def test_a_pvc_flux_names_is_the_services_claim(
    example: Path, run_cli: RunCli, kubectl: str
) -> None:
    """jellyfin's PVC written ``${APP}-config`` with its Flux Kustomization giving APP: the
    claim ``jellyfin-config`` is that PVC (BP381 once said it was not under the app), and
    the restore's ``dataSourceRef`` reaches it in the app's build."""
    pvc = example / JELLYFIN / "app/pvc.yaml"
    replace_once(pvc, "  name: jellyfin-config\n", "  name: ${APP}-config\n")
    substitute_in(example / JELLYFIN, "APP", "jellyfin")
    result = run_cli("compile", "-q", cwd=example)
    assert result.exit_code == 0, result.output
    built = yaml.safe_load_all(kustomize_build(example / JELLYFIN / "app", kubectl=kubectl))
    (claim,) = [d for d in built if d and d["kind"] == "PersistentVolumeClaim"]
    assert claim["metadata"]["name"] == "${APP}-config"
    assert claim["spec"]["dataSourceRef"]["name"] == "bp-jellyfin-config-restore"
    assert run_cli("check", "-q", cwd=example).exit_code == 0
