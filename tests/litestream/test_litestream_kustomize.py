"""The injected Litestream wiring, built by the real ``kubectl kustomize`` (SPEC §7).

- The plain Deployment app (python-ipam) is built with its Component; the patched Deployment,
  the ConfigMap and the PodMonitor validate against the core schemas / upstream CRDs.
- HelmRelease apps (bjw-s app-template 3.7.3) are built; the HelmRelease validates against the
  Flux CRD. Flux's post-render step is then reproduced: the generated post-renderer patch is
  applied by kustomize to the Deployment app-template renders for the release (a stand-in
  written from the release's values, named like app-template 3.x names a single controller:
  after the release) and the result validates as a core Deployment.
- Injected container and volume names never collide with the app's own; the sidecar's
  ``/tmp`` emptyDir is in the merged pod on both paths.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from compiler.tools.litestream.cleanup import CLEANUP_DIR, script_text
from tests.conftest import require_tool
from tests.litestream.example import (
    compile_tree,
    copy_example,
    edit_yaml,
    errors,
    flux_substitute,
    load_all,
)
from tests.support.s3server import go_env
from tests.support.validation import SchemaRegistry, kustomize_build, validate_stream

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
APPS = "out/kubernetes/apps"
HELM_APPS = ["productivity/paperless", "productivity/linkding", "tools/spoolman"]


@pytest.fixture(scope="module")
def registry() -> SchemaRegistry:
    crds = Path(os.environ.get("BACKUP_POLICY_CRDS") or REPO.parent / "shared" / "crds")
    if not crds.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"upstream CRDs not found at {crds}")
        pytest.skip(f"upstream CRDs not found at {crds} (set BACKUP_POLICY_CRDS)")
    return SchemaRegistry.from_directory(crds)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    require_tool("kubectl", shutil.which("kubectl") is not None)
    return copy_example(tmp_path)


def build(path: Path, registry: SchemaRegistry) -> list[dict[str, Any]]:
    text = kustomize_build(path)
    problems = validate_stream(text, registry)
    assert not problems, "\n".join(p.render() for p in problems)
    return [d for d in load_all(text) if isinstance(d, dict)]


def one(documents: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = [d for d in documents if d["kind"] == kind]
    assert len(found) == 1, (kind, [d["kind"] for d in documents])
    return found[0]


def configs(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The documents but the restore verification's script ConfigMap (litestream.verify)."""
    return [d for d in documents if not d["metadata"]["name"].endswith("-litestream-verify")]


def container(pod: dict[str, Any], name: str) -> dict[str, Any]:
    return dict(next(c for c in pod["containers"] if c["name"] == name))


def assert_injected(template: dict[str, Any], app_container: str, db_mount: str) -> None:
    annotations = template["metadata"]["annotations"]
    assert annotations["kubectl.kubernetes.io/default-container"] == app_container
    pod = template["spec"]
    names = sorted(c["name"] for c in pod["containers"])
    inits = [c["name"] for c in pod.get("initContainers", [])]
    volumes = [v["name"] for v in pod["volumes"]]
    assert len(set(names + inits)) == len(names + inits), names + inits
    assert len(set(volumes)) == len(volumes), volumes
    assert names == sorted([app_container, "litestream"]) and inits == ["litestream-restore"]
    assert "litestream-config" in volumes
    assert {"name": "litestream-tmp", "emptyDir": {}} in pod["volumes"]
    sidecar = container(pod, "litestream")
    mounts = {m["name"]: m["mountPath"] for m in sidecar["volumeMounts"]}
    app_mounts = {m["name"]: m["mountPath"] for m in container(pod, app_container)["volumeMounts"]}
    volume = next(name for name, path in app_mounts.items() if path == db_mount)
    assert mounts[volume] == db_mount, "the sidecar sees the database where the app has it"
    assert mounts["litestream-config"] == "/etc/litestream.yml"
    assert mounts["litestream-tmp"] == "/tmp", "0.3's validation restores into os.TempDir()"
    restore = [m["name"] for m in pod["initContainers"][0]["volumeMounts"]]
    assert "litestream-tmp" not in restore, "a restore writes beside the database only"
    assert sidecar["ports"] == [
        {
            "name": "metrics",
            "containerPort": sidecar["ports"][0]["containerPort"],
            "protocol": "TCP",
        }
    ]


def test_deployment_app_is_patched_and_valid(tree: Path, registry: SchemaRegistry) -> None:
    docs = build(tree / APPS / "network/python-ipam", registry)
    deployment = one(docs, "Deployment")
    pod = deployment["spec"]["template"]
    assert pod["metadata"]["labels"]["backup-policy.io/litestream"] == "python-ipam"
    assert_injected(pod, "python-ipam", "/data")
    assert one(configs(docs), "ConfigMap")["metadata"]["name"] == "python-ipam-litestream"
    monitor = one(docs, "PodMonitor")
    assert monitor["spec"]["selector"]["matchLabels"] == {
        "backup-policy.io/litestream": "python-ipam"
    }
    assert monitor["metadata"]["namespace"] == "network"


def render_app_template(release: dict[str, Any]) -> dict[str, Any]:
    """A stand-in for the Deployment bjw-s app-template 3.x renders (single controller)."""
    values = release["spec"]["values"]
    ((_, controller),) = values["controllers"].items()
    containers, volumes = [], []
    mounts = []
    for name, item in sorted(values.get("persistence", {}).items()):
        source = (
            {"emptyDir": {}}
            if item.get("type") == "emptyDir"
            else {"persistentVolumeClaim": {"claimName": item["existingClaim"]}}
        )
        volumes.append({"name": name, **source})
        mounts += [{"name": name, "mountPath": m["path"]} for m in item.get("globalMounts", [])]
    for name, container in controller["containers"].items():
        image = container["image"]
        containers.append(
            {"name": name, "image": f"{image['repository']}:{image['tag']}", "volumeMounts": mounts}
        )
    name = release["metadata"]["name"]
    labels = {"app.kubernetes.io/instance": name, "app.kubernetes.io/name": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": release["metadata"]["namespace"], "labels": labels},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": containers, "volumes": volumes},
            },
        },
    }


def post_render(release: dict[str, Any], workdir: Path) -> list[dict[str, Any]]:
    """Flux's kustomize post-renderers applied to the stand-in chart output."""
    workdir.mkdir()
    (workdir / "rendered.yaml").write_text(json.dumps(render_app_template(release)))
    patches = [
        p for r in release["spec"]["postRenderers"] for p in r["kustomize"].get("patches", [])
    ]
    (workdir / "kustomization.yaml").write_text(
        json.dumps(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "resources": ["rendered.yaml"],
                "patches": patches,
            }
        )
    )
    return [d for d in load_all(kustomize_build(workdir)) if isinstance(d, dict)]


@pytest.mark.parametrize("app", HELM_APPS, ids=lambda a: a.split("/")[-1])
def test_helmrelease_app_gets_a_post_renderer_that_injects_litestream(
    tree: Path, registry: SchemaRegistry, app: str, tmp_path: Path
) -> None:
    docs = build(tree / APPS / app / "app", registry)
    release = one(docs, "HelmRelease")
    assert len(release["spec"]["postRenderers"]) == 1
    rendered = post_render(release, tmp_path / "post-render")
    problems = validate_stream("\n---\n".join(json.dumps(d) for d in rendered), registry)
    assert not problems, [p.render() for p in problems]
    deployment = one(rendered, "Deployment")
    config = one(configs(docs), "ConfigMap")
    db_path = load_all(flux_substitute(config["data"]["litestream.yml"]))[0]["dbs"][0]["path"]
    template = deployment["spec"]["template"]
    mount = next(
        m["mountPath"]
        for m in container(template["spec"], "main")["volumeMounts"]
        if db_path.startswith(m["mountPath"] + "/")
    )
    assert_injected(template, "main", mount)
    assert "PodMonitor" in {d["kind"] for d in docs}


def test_existing_post_renderers_are_kept(
    tree: Path, registry: SchemaRegistry, tmp_path: Path
) -> None:
    helmrelease = tree / APPS / "productivity/paperless/app/helmrelease.yaml"
    helmrelease.write_text(
        helmrelease.read_text().replace(
            "  install:\n",
            "  postRenderers:\n    - kustomize:\n        images:\n"
            "          - name: ghcr.io/paperless-ngx/paperless-ngx\n            newTag: 2.20.4\n"
            "  install:\n",
            1,
        )
    )
    edit_yaml(
        tree / "policies/services/paperless.yaml",
        lambda d: d["spec"]["workload"].__setitem__("existingPostRenderers", True),
    )
    result = compile_tree(tree)
    assert result.changes is not None and not errors(result)
    for rel, text in result.changes.writes.items():
        (tree / "out" / rel).write_text(text)
    release = one(build(tree / APPS / "productivity/paperless/app", registry), "HelmRelease")
    renderers = release["spec"]["postRenderers"]
    assert len(renderers) == 2 and "images" in renderers[0]["kustomize"]
    deployment = one(post_render(release, tmp_path / "post-render"), "Deployment")
    assert_injected(deployment["spec"]["template"], "main", "/data")


def test_cleanup_folder_builds_and_ships_the_script(tree: Path, registry: SchemaRegistry) -> None:
    docs = build(tree / "out" / CLEANUP_DIR, registry)
    jobs = sorted(d["metadata"]["name"] for d in docs if d["kind"] == "CronJob")
    assert jobs == ["litestream-cleanup-garage", "litestream-cleanup-minio-nas"]
    script = one(configs(docs), "ConfigMap")["data"]["cleanup.sh"]
    assert flux_substitute(script) == script_text()


def test_shellcheck_passes_on_the_shipped_script(tree: Path, tmp_path: Path) -> None:
    require_tool("shellcheck", shutil.which("shellcheck") is not None)
    docs = load_all((tree / "out" / CLEANUP_DIR / "cleanup-script.yaml").read_text())
    path = tmp_path / "cleanup.sh"
    path.write_text(flux_substitute(docs[0]["data"]["cleanup.sh"]))
    result = subprocess.run(
        ["shellcheck", "-s", "sh", str(path)],
        capture_output=True,
        text=True,
        check=False,
        env=go_env(),
    )
    assert result.returncode == 0, result.stdout
