"""Who the VolSync mover runs as: the pod's identity from the tree, or the policy's override."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.alerts.helpers import compile_root
from tests.support.files import copy_example
from tests.test_cases import CASES, materialise
from tests.tools.volsync.example import objects

DEPLOYMENT = "out/kubernetes/apps/apps/web/deployment.yaml"
SOURCES = "kubernetes/apps/apps/web/backup/volsync-web-data.yaml"


def _identity(root: Path) -> dict[str, int] | None:
    restic = objects(compile_root(root), SOURCES)["ReplicationSource"]["spec"]["restic"]
    found: dict[str, int] | None = restic.get("moverSecurityContext")
    return found


def _case(tmp_path: Path) -> Path:
    return materialise(CASES / "valid" / "volsync-deployment", tmp_path)


def test_the_pod_identity_is_copied(tmp_path: Path) -> None:
    assert _identity(_case(tmp_path)) == {"runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 1000}


def test_the_app_container_wins_over_the_pod(tmp_path: Path) -> None:
    root = _case(tmp_path)
    deployment = yaml.safe_load((root / DEPLOYMENT).read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["securityContext"] = {"runAsUser": 33, "runAsGroup": 33, "privileged": False}
    deployment["spec"]["template"]["spec"]["securityContext"]["sysctls"] = []
    (root / DEPLOYMENT).write_text(yaml.safe_dump(deployment))
    # the identity only: sysctls and the container's other settings are the app's
    assert _identity(root) == {"runAsUser": 33, "runAsGroup": 33, "fsGroup": 1000}


def test_the_policy_override_wins(tmp_path: Path) -> None:
    root = _case(tmp_path)
    service = root / "policies/services/web.yaml"
    text = service.read_text().replace(
        "    bootstrap: true\n",
        "    bootstrap: true\n    moverSecurityContext: {runAsUser: 2000, fsGroup: 3000}\n",
    )
    service.write_text(text)
    assert _identity(root) == {"runAsUser": 2000, "fsGroup": 3000}


def test_no_identity_in_the_tree_writes_none(tmp_path: Path) -> None:
    root = materialise(CASES / "valid" / "volsync-mover-identity-unknown", tmp_path)
    assert _identity(root) is None  # and BP382 warns (the case's expected)


def test_a_release_named_by_flux_substitution_gives_its_pod_identity(tmp_path: Path) -> None:
    """jellyfin's release written ``name: ${APP}``, named by its Kustomization's
    ``postBuild.substitute`` (tyriis's minecraft worlds): the compile finds it by the name
    the cluster knows, and the mover restores files the app can read."""
    root = copy_example(tmp_path)
    app = root / "out/kubernetes/apps/media/jellyfin"
    release = app / "app/helmrelease.yaml"
    release.write_text(release.read_text().replace("  name: jellyfin\n", "  name: ${APP}\n", 1))
    flux = app / "ks.yaml"
    substitute = "  postBuild:\n    substitute:\n      APP: jellyfin\n"
    flux.write_text(flux.read_text() + substitute)
    result = compile_root(root)
    sources = objects(result, "kubernetes/apps/media/jellyfin/backup/volsync-jellyfin-config.yaml")
    found = sources["ReplicationSource"]["spec"]["restic"]["moverSecurityContext"]
    assert found == {"runAsUser": 568, "runAsGroup": 568, "fsGroup": 568}
    assert "BP382" not in {d.rule for d in result.diagnostics.items}
