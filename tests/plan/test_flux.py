"""The Flux side of the plan: which generated folders Flux applies without substitution."""

from __future__ import annotations

from pathlib import Path

from compiler.config import RunConfig
from compiler.pipeline.build import build
from tests.conftest import REPO, RunCli

APPS = "kubernetes/apps"


def test_the_examples_apps_without_a_postbuild_variable_get_their_variables_as_written() -> None:
    """Only paperless's Flux Kustomization substitutes (from cluster-settings); linkding and
    the others have a ks.yaml without postBuild, and python-ipam and n8n are applied by
    cluster-apps (a path without kustomization.yaml, no postBuild). Flux leaves
    ``$${VAR}`` as written where it does not substitute, so the verify script's shell
    variables are written ``${VAR}`` there."""
    result = build(RunConfig(policies=REPO / "policies"))
    assert result.plan is not None and result.outputs is not None
    folders = sorted(c.folder for c in result.plan.components)
    paperless = f"{APPS}/productivity/paperless/backup"
    assert paperless in folders
    assert result.plan.unsubstituted == tuple(f for f in folders if f != paperless)
    verify = result.outputs[f"{APPS}/productivity/linkding/backup/litestream-verify.yaml"]
    assert "root=${VERIFY_ROOT:-}" in verify and "$$" not in verify
    config = result.outputs[f"{APPS}/network/python-ipam/backup/litestream-config.yaml"]
    assert 'access-key-id: "${S3_GARAGE_ACCESS_KEY_ID}"' in config
    # the shared folders' generated ks.yaml substitutes: there every ${ stays escaped
    cleanup = result.outputs[f"{APPS}/storage/litestream-cleanup/cleanup-script.yaml"]
    assert "$${" in cleanup and cleanup.count("${") == cleanup.count("$${")


def test_a_shared_folder_not_yet_written_is_judged_as_the_compile_leaves_it(
    example: Path, run_cli: RunCli
) -> None:
    """The dashboard moved to a folder of its own that observability's kustomization lists
    (BP408's hint), written by this compile. Judged on the tree before the compile it
    seemed applied by no Kustomization, so it followed ``flux.substitution`` and was
    escaped; the next compile found it applied by observability's (no postBuild), wrote
    it unescaped, and ``check`` between the two failed with BP400."""
    cluster = example / "policies/cluster.yaml"
    text = cluster.read_text()
    assert text.count("    root: out\n") == 1
    shared = "    shared:\n      dashboard: kubernetes/apps/observability/dashboards\n"
    cluster.write_text(text.replace("    root: out\n", "    root: out\n" + shared))
    listing = example / "out/kubernetes/apps/observability/kustomization.yaml"
    text = listing.read_text()
    assert text.count("resources:\n") == 1
    listing.write_text(text.replace("resources:\n", "resources:\n  - ./dashboards\n"))
    assert run_cli("compile", "-q", cwd=example).exit_code == 0
    dashboard = example / "out/kubernetes/apps/observability/dashboards/dashboard.yaml"
    assert '"uid": "${datasource}"' in dashboard.read_text()
    assert "$${" not in dashboard.read_text()
    assert run_cli("check", "-q", cwd=example).exit_code == 0
