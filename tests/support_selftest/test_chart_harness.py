"""The chart harness (tests/support/charts.py) against the real app-template charts.

Every name asserted here comes from a real render of app-template 3.7.3, 4.1.1 and 5.0.0
(../shared/charts): these tests pin down the chart's naming rules that post-renderer patches and
PVC label patches depend on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO, require_tool
from tests.support.charts import (
    CHARTS_ENV,
    FILENAME_ANNOTATION,
    VERSIONS,
    Document,
    PostRenderError,
    annotations_of,
    apply_post_renderers,
    changed_objects,
    chart_dir,
    claim_names,
    container,
    container_names,
    find_object,
    flux_release_name,
    helm_sdk_available,
    inventory,
    labels_of,
    mounts,
    object_names,
    pod_spec,
    render_chart,
    render_helmrelease,
    statefulset_pvc_names,
    volume,
    volume_claim_template_names,
    volume_names,
)

RELEASE = "paperless"
NAMESPACE = "apps"
IMAGE = {"repository": "ghcr.io/paperless-ngx/paperless-ngx", "tag": "2.20.3"}


def needs_chart(version: str) -> Path:
    require_tool("helm-python-sdk (import helm_python)", helm_sdk_available())
    path = chart_dir(version)
    require_tool(f"the app-template {version} chart in {path} (set {CHARTS_ENV})", path.is_dir())
    return path


def render(version: str, values: dict[str, Any], release: str = RELEASE) -> list[Document]:
    return render_chart(needs_chart(version), values, release, NAMESPACE)


def app(*names: str, **spec: Any) -> dict[str, Any]:
    """A controller with containers ``names`` (default: one named ``main``)."""
    return {"containers": {n: {"image": dict(IMAGE)} for n in names or ("main",)}, **spec}


def pvc(**spec: Any) -> dict[str, Any]:
    return {"type": "persistentVolumeClaim", "accessMode": "ReadWriteOnce", "size": "1Gi", **spec}


def workload_names(docs: list[Document]) -> list[tuple[str, str]]:
    kinds = {"Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job"}
    return [(k, n) for k, n in inventory(docs) if k in kinds]


all_versions = pytest.mark.parametrize("version", VERSIONS)
v4_and_later = pytest.mark.parametrize("version", ["4.1.1", "5.0.0"])


# -- controllers --------------------------------------------------------------------------------


@all_versions
def test_one_controller_is_named_like_the_release(version: str) -> None:
    docs = render(version, {"controllers": {"app": app("main")}})
    assert workload_names(docs) == [("Deployment", "paperless")]
    deployment = find_object(docs, "Deployment", "paperless")
    assert container_names(deployment) == ["main"]
    assert deployment["metadata"]["namespace"] == NAMESPACE
    key = "app.kubernetes.io/" + ("component" if version == "3.7.3" else "controller")
    assert labels_of(deployment)[key] == "app"  # the controller identifier, as a label
    spec = pod_spec(deployment)
    if version == "5.0.0":  # a default ServiceAccount named after the release, used by the pod
        assert object_names(docs, "ServiceAccount") == ["paperless"]
        assert spec["serviceAccountName"] == "paperless"
        assert spec["automountServiceAccountToken"] is False
    else:
        assert object_names(docs, "ServiceAccount") == []
        assert spec["serviceAccountName"] == "default"
        assert spec["automountServiceAccountToken"] is True


@all_versions
def test_several_controllers_get_their_identifier_appended(version: str) -> None:
    docs = render(
        version,
        {"controllers": {"app": app(), "worker": app(), "off": app(enabled=False)}},
    )
    assert workload_names(docs) == [
        ("Deployment", "paperless-app"),
        ("Deployment", "paperless-worker"),
    ]
    # ... unless the identifier is the full name itself
    docs = render(version, {"controllers": {"paperless": app(), "worker": app()}})
    assert object_names(docs, "Deployment") == ["paperless", "paperless-worker"]


@all_versions
def test_a_statefulset_controller_and_its_claim_templates(version: str) -> None:
    template = {
        "name": "data",
        "accessMode": "ReadWriteOnce",
        "size": "1Gi",
        "labels": {"backup": "daily"},
        "globalMounts": [{"path": "/data"}],
    }
    db = app(
        "app", type="statefulset", replicas=2, statefulset={"volumeClaimTemplates": [template]}
    )
    docs = render(version, {"controllers": {"db": db}})
    statefulset = find_object(docs, "StatefulSet", "paperless")
    assert statefulset["spec"]["serviceName"] == "paperless"
    assert volume_claim_template_names(statefulset) == ["data"]
    vct = statefulset["spec"]["volumeClaimTemplates"][0]
    assert vct["metadata"]["labels"] == {"backup": "daily"}  # reaches the PVCs the STS creates
    assert statefulset_pvc_names(statefulset) == ["data-paperless-0", "data-paperless-1"]
    assert volume_names(statefulset) == []  # templates are not pod volumes
    assert mounts(statefulset, "app") == {"/data": "data"}
    assert object_names(docs, "PersistentVolumeClaim") == []

    docs = render(version, {"controllers": {"db": db, "web": app()}})
    statefulset = find_object(docs, "StatefulSet", "paperless-db")
    assert statefulset_pvc_names(statefulset, replicas=1) == ["data-paperless-db-0"]


@all_versions
def test_any_falsy_enabled_disables(version: str) -> None:
    values = {"controllers": {"app": app(), "a": app(enabled=None), "b": app(enabled=0)}}
    assert object_names(render(version, values), "Deployment") == ["paperless"]


@v4_and_later
def test_pods_use_the_service_account_identifier_not_its_name(version: str) -> None:
    docs = render(version, {"serviceAccount": {"mysa": {}}, "controllers": {"app": app()}})
    assert object_names(docs, "ServiceAccount") == ["paperless"]
    assert pod_spec(find_object(docs, "Deployment", "paperless"))["serviceAccountName"] == "mysa"
    if version == "5.0.0":  # the default ServiceAccount: identifier = release, name = fullname
        docs = render(version, {"global": {"nameOverride": "ngx"}, "controllers": {"app": app()}})
        assert object_names(docs, "ServiceAccount") == ["paperless-ngx"]
        deployment = find_object(docs, "Deployment", "paperless-ngx")
        assert pod_spec(deployment)["serviceAccountName"] == "paperless"


@all_versions
def test_release_wide_name_overrides(version: str) -> None:
    controllers = {"controllers": {"app": app()}}
    ngx = render(version, {**controllers, "global": {"nameOverride": "ngx"}})
    assert object_names(ngx, "Deployment") == ["paperless-ngx"]
    contained = render(version, {**controllers, "global": {"nameOverride": "paper"}})
    assert object_names(contained, "Deployment") == ["paperless"]  # "paper" is in "paperless"
    top_level = render(version, {**controllers, "nameOverride": "ngx"})
    assert object_names(top_level, "Deployment") == ["paperless"]  # app-template ignores it
    for override in ({"fullnameOverride": "docs"}, {"global": {"fullnameOverride": "docs"}}):
        assert object_names(render(version, {**controllers, **override}), "Deployment") == ["docs"]
    two = render(version, {"controllers": {"app": app(), "worker": app()}, "fullnameOverride": "d"})
    assert object_names(two, "Deployment") == ["d-app", "d-worker"]


def test_3_7_3_controller_name_override_and_no_4x_options() -> None:
    docs = render("3.7.3", {"controllers": {"app": app(nameOverride="web")}})
    assert object_names(docs, "Deployment") == ["paperless-web"]
    ignored = {
        "global": {"alwaysAppendIdentifierToResourceName": True},
        "controllers": {"app": app(forceRename="docs", prefix="pre", suffix="suf")},
    }
    assert object_names(render("3.7.3", ignored), "Deployment") == ["paperless"]
    upper = render("3.7.3", {"controllers": {"App": app(), "worker": app()}})
    assert object_names(upper, "Deployment") == ["paperless-App", "paperless-worker"]


@v4_and_later
def test_4x_controller_renames(version: str) -> None:
    assert object_names(
        render(version, {"controllers": {"app": app(nameOverride="web")}}), "Deployment"
    ) == ["paperless"]  # controllers.<id>.nameOverride is gone in 4.x
    always = {"global": {"alwaysAppendIdentifierToResourceName": True}}
    assert object_names(
        render(version, {**always, "controllers": {"app": app()}}), "Deployment"
    ) == ["paperless-app"]
    forced = {"controllers": {"app": app(forceRename="Docs"), "worker": app()}}
    assert object_names(render(version, forced), "Deployment") == ["docs", "paperless-worker"]
    single = {"controllers": {"app": app(prefix="pre", suffix="suf")}}
    assert object_names(render(version, single), "Deployment") == ["pre-paperless-suf"]
    two = {"controllers": {"app": app(prefix="pre", suffix="suf"), "worker": app()}}
    assert object_names(render(version, two), "Deployment") == [
        "paperless-worker",
        "pre-paperless-app-suf",
    ]
    upper = {"controllers": {"App": app(), "worker": app()}}
    assert object_names(render(version, upper), "Deployment") == [
        "paperless-app",
        "paperless-worker",
    ]


# -- containers and mounts ----------------------------------------------------------------------


@all_versions
def test_container_names_are_identifiers_unless_overridden(version: str) -> None:
    controller = app("app", "off", initContainers={"init-db": {"image": dict(IMAGE)}})
    controller["containers"]["app"]["nameOverride"] = "paperless-web"
    controller["containers"]["off"]["enabled"] = False
    docs = render(version, {"controllers": {"main": controller}})
    deployment = find_object(docs, "Deployment", "paperless")
    assert container_names(deployment) == ["paperless-web"]
    assert container_names(deployment, init=True) == ["init-db"]


@all_versions
def test_mounts_decide_which_pods_get_a_volume(version: str) -> None:
    controllers = {"main": app("app", "sidecar"), "worker": app("app")}
    values = {
        "controllers": controllers,
        "persistence": {
            "everywhere": {"type": "emptyDir"},
            "global": {"type": "emptyDir", "globalMounts": [{"path": "/g"}]},
            "only-main-app": {
                "type": "emptyDir",
                "advancedMounts": {"main": {"app": [{"path": "/a"}]}},
            },
        },
    }
    docs = render(version, values)
    main = find_object(docs, "Deployment", "paperless-main")
    worker = find_object(docs, "Deployment", "paperless-worker")
    assert volume_names(main) == ["everywhere", "global", "only-main-app"]
    assert volume_names(worker) == ["everywhere", "global"]
    assert mounts(main, "app") == {
        "/everywhere": "everywhere",
        "/g": "global",
        "/a": "only-main-app",
    }
    assert mounts(main, "sidecar") == {"/everywhere": "everywhere", "/g": "global"}
    assert mounts(worker, "app") == {"/everywhere": "everywhere", "/g": "global"}


# -- persistence and PVCs -----------------------------------------------------------------------


@all_versions
def test_pvc_existing_claim_and_empty_dir(version: str) -> None:
    values = {
        "controllers": {"app": app()},
        "persistence": {
            "data": pvc(),
            "media": {"existingClaim": "paperless-media"},
            "tmp": {"type": "emptyDir"},
        },
    }
    docs = render(version, values)
    # the only chart-created PVC: 3.7.3 appends the key, 4.x/5.x do not
    created = "paperless-data" if version == "3.7.3" else "paperless"
    assert object_names(docs, "PersistentVolumeClaim") == [created]
    deployment = find_object(docs, "Deployment", "paperless")
    assert volume_names(deployment) == ["data", "media", "tmp"]  # pod volumes: persistence keys
    assert claim_names(deployment) == {"data": created, "media": "paperless-media"}
    assert volume(deployment, "tmp") == {"name": "tmp", "emptyDir": {}}
    assert mounts(deployment, "main") == {"/data": "data", "/media": "media", "/tmp": "tmp"}


@all_versions
def test_several_pvcs_get_their_key_appended(version: str) -> None:
    docs = render(version, {"controllers": {"app": app()}, "persistence": {"a": pvc(), "b": pvc()}})
    assert object_names(docs, "PersistentVolumeClaim") == ["paperless-a", "paperless-b"]
    same = render(version, {"controllers": {"app": app()}, "persistence": {"paperless": pvc()}})
    assert object_names(same, "PersistentVolumeClaim") == ["paperless"]


def test_3_7_3_pvc_name_override() -> None:
    persistence = {"data": pvc(nameOverride="db"), "cache": pvc(nameOverride="-")}
    docs = render("3.7.3", {"controllers": {"app": app()}, "persistence": persistence})
    assert object_names(docs, "PersistentVolumeClaim") == ["paperless", "paperless-db"]
    deployment = find_object(docs, "Deployment", "paperless")
    assert claim_names(deployment) == {"cache": "paperless", "data": "paperless-db"}


@v4_and_later
def test_4x_pvc_renames(version: str) -> None:
    persistence = {
        "data": pvc(forceRename="MyData", nameOverride="ignored"),
        "media": pvc(prefix="pre", suffix="suf"),
    }
    docs = render(version, {"controllers": {"app": app()}, "persistence": persistence})
    assert object_names(docs, "PersistentVolumeClaim") == ["mydata", "pre-paperless-media-suf"]
    always = {
        "global": {"alwaysAppendIdentifierToResourceName": True},
        "controllers": {"app": app()},
        "persistence": {"data": pvc()},
    }
    assert object_names(render(version, always), "PersistentVolumeClaim") == ["paperless-data"]


@all_versions
def test_pvc_labels_and_annotations_come_from_the_persistence_item(version: str) -> None:
    values = {
        "global": {"labels": {"team": "docs"}},
        "controllers": {"app": app()},
        "persistence": {
            "data": pvc(
                labels={"backup-policy.io/backup": "daily"},
                annotations={"note": "{{ .Release.Name }}"},
                retain=True,
            )
        },
    }
    docs = render(version, values)
    claim = find_object(
        docs, "PersistentVolumeClaim", object_names(docs, "PersistentVolumeClaim")[0]
    )
    assert labels_of(claim)["backup-policy.io/backup"] == "daily"
    assert labels_of(claim)["team"] == "docs"
    assert annotations_of(claim) == {"note": "paperless", "helm.sh/resource-policy": "keep"}


def test_render_order_is_stable() -> None:
    values = {
        "controllers": {n: app() for n in ("c", "a", "e", "b", "d")},
        "persistence": {n: pvc() for n in ("z", "x", "y")},
    }
    first = render("4.1.1", values)
    for _ in range(5):
        assert render("4.1.1", values) == first
    assert [k for k, _ in inventory(first)] == ["PersistentVolumeClaim"] * 3 + ["Deployment"] * 5
    assert object_names(first, "Deployment") == [f"paperless-{n}" for n in "abcde"]


def test_charts_folder_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CHARTS_ENV, "/somewhere/charts")
    assert chart_dir("4.1.1") == Path("/somewhere/charts/app-template-4.1.1")
    monkeypatch.delenv(CHARTS_ENV)
    assert chart_dir("4.1.1") == REPO.parent / "shared" / "charts" / "app-template-4.1.1"


def test_flux_release_name() -> None:
    release = {"metadata": {"name": "paperless", "namespace": "flux-system"}, "spec": {}}
    assert flux_release_name(release) == "paperless"
    assert flux_release_name({**release, "spec": {"targetNamespace": "docs"}}) == "docs-paperless"
    assert flux_release_name({**release, "spec": {"releaseName": "x"}}) == "x"
    long = flux_release_name({"metadata": {"name": "a" * 60}, "spec": {}})
    assert len(long) == 53 and long.startswith("a" * 40 + "-")


# -- post-renderers -----------------------------------------------------------------------------

SIDECAR_PATCH = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: paperless
spec:
  template:
    metadata:
      annotations:
        kubectl.kubernetes.io/default-container: main
    spec:
      initContainers:
        - name: litestream-restore
          image: litestream/litestream:0.3.13
          args: [restore, -if-db-not-exists, -if-replica-exists, /data/db.sqlite3]
          volumeMounts:
            - {name: data, mountPath: /data}
            - {name: litestream-config, mountPath: /etc/litestream.yml, subPath: litestream.yml}
      containers:
        - name: litestream
          image: litestream/litestream:0.3.13
          args: [replicate]
          volumeMounts:
            - {name: data, mountPath: /data}
            - {name: litestream-config, mountPath: /etc/litestream.yml, subPath: litestream.yml}
      volumes:
        - name: litestream-config
          configMap:
            name: paperless-litestream
"""

PVC_LABEL_PATCH = """\
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: any
  labels:
    backup-policy.io/backup: daily
"""


def sidecar_release(version: str) -> tuple[list[Document], list[dict[str, Any]]]:
    values = {
        "controllers": {"app": app("main")},
        "persistence": {"data": pvc(), "media": {"existingClaim": "paperless-media"}},
    }
    claim = "paperless-data" if version == "3.7.3" else "paperless"
    post_renderers = [
        {
            "kustomize": {
                "patches": [
                    {
                        "target": {
                            "group": "apps",
                            "version": "v1",
                            "kind": "Deployment",
                            "name": "paperless",
                        },
                        "patch": SIDECAR_PATCH,
                    },
                    {
                        "target": {"version": "v1", "kind": "PersistentVolumeClaim", "name": claim},
                        "patch": PVC_LABEL_PATCH,
                    },
                ]
            }
        }
    ]
    return render(version, values), post_renderers


@pytest.mark.integration
@all_versions
def test_post_renderer_patches_land(version: str, kubectl: str, tmp_path: Path) -> None:
    docs, post_renderers = sidecar_release(version)
    out = apply_post_renderers(docs, post_renderers, tmp_path, kubectl)
    claim = "paperless-data" if version == "3.7.3" else "paperless"
    assert changed_objects(docs, out) == [
        ("Deployment", "paperless"),
        ("PersistentVolumeClaim", claim),
    ]
    deployment = find_object(out, "Deployment", "paperless")
    assert container_names(deployment) == ["litestream", "main"]  # merged-in containers go first
    assert container_names(deployment, init=True) == ["litestream-restore"]
    assert volume_names(deployment) == ["litestream-config", "data", "media"]
    assert set(mounts(deployment, "litestream").values()) <= set(volume_names(deployment))
    assert container(deployment, "main")["image"] == "ghcr.io/paperless-ngx/paperless-ngx:2.20.3"
    template_annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert template_annotations["kubectl.kubernetes.io/default-container"] == "main"
    labelled = find_object(out, "PersistentVolumeClaim", claim)
    assert labels_of(labelled)["backup-policy.io/backup"] == "daily"
    assert labels_of(labelled)["app.kubernetes.io/instance"] == "paperless"  # merged, not replaced
    for document in out:  # Helm 4's filename annotation is gone again
        assert FILENAME_ANNOTATION not in annotations_of(document)
    assert docs == sidecar_release(version)[0]  # the input is left alone


# The chart-created PVC has no annotations; kustomize's JSON6902 "add" creates missing parents
# (with or without Helm 4's filename annotation).
ANNOTATE_PVCS = {
    "target": {"kind": "PersistentVolumeClaim"},
    "patch": "- op: add\n  path: /metadata/annotations/seen\n  value: 'yes'\n",
}


@pytest.mark.integration
def test_post_renderers_run_in_order_and_misses_are_silent(kubectl: str, tmp_path: Path) -> None:
    docs, first = sidecar_release("4.1.1")
    second = {
        "kustomize": {
            "patches": [
                {  # JSON6902 on the container the first post-renderer put at index 0
                    "target": {"kind": "Deployment", "name": "paperless"},
                    "patch": "- op: replace\n"
                    "  path: /spec/template/spec/containers/0/image\n"
                    "  value: litestream/litestream:0.3.14\n",
                },
                {  # a target that matches nothing: kustomize says nothing
                    "target": {"kind": "Deployment", "name": "paperless-app"},
                    "patch": SIDECAR_PATCH.replace("litestream", "other"),
                },
                ANNOTATE_PVCS,
            ],
            "images": [{"name": "ghcr.io/paperless-ngx/paperless-ngx", "newTag": "2.21.0"}],
        }
    }
    out = apply_post_renderers(
        docs, [*first, {"other": {}}, second], tmp_path, kubectl, origin=("apps", "paperless")
    )
    deployment = find_object(out, "Deployment", "paperless")
    assert container(deployment, "litestream")["image"] == "litestream/litestream:0.3.14"
    assert container(deployment, "main")["image"] == "ghcr.io/paperless-ngx/paperless-ngx:2.21.0"
    assert "other" not in container_names(deployment)
    assert labels_of(deployment)["helm.toolkit.fluxcd.io/name"] == "paperless"
    assert labels_of(deployment)["helm.toolkit.fluxcd.io/namespace"] == "apps"
    assert annotations_of(find_object(out, "PersistentVolumeClaim", "paperless")) == {"seen": "yes"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["post-renderer-0", "post-renderer-2"]
    kustomization = yaml.safe_load((tmp_path / "post-renderer-2/kustomization.yaml").read_text())
    assert kustomization["resources"] == ["helm-output.yaml"]

    untargeted = {"kustomize": {"patches": [{"patch": SIDECAR_PATCH.replace("paperless", "x")}]}}
    with pytest.raises(PostRenderError, match="no matches"):
        apply_post_renderers(docs, [untargeted], tmp_path / "untargeted", kubectl)
    bare = apply_post_renderers(
        docs, [{"kustomize": {"patches": [ANNOTATE_PVCS]}}], tmp_path / "helm3", source=None
    )
    assert annotations_of(find_object(bare, "PersistentVolumeClaim", "paperless")) == {
        "seen": "yes"
    }


@pytest.mark.integration
def test_the_committed_litestream_patch_lands(kubectl: str, tmp_path: Path) -> None:
    """The example's generated post-renderer, over the real chart its HelmRelease pins."""
    app_dir = REPO / "out/kubernetes/apps/productivity/paperless"
    release = yaml.safe_load((app_dir / "app/helmrelease.yaml").read_text())
    patch = yaml.safe_load((app_dir / "backup/patches/litestream.yaml").read_text())
    version = release["spec"]["chart"]["spec"]["version"]
    release["metadata"]["namespace"] = "productivity"
    release["spec"]["postRenderers"] = patch["spec"]["postRenderers"]  # as the Component merges
    out = render_helmrelease(release, needs_chart(version), tmp_path, kubectl)
    assert all(labels_of(d)["helm.toolkit.fluxcd.io/namespace"] == "productivity" for d in out)
    target = patch["spec"]["postRenderers"][0]["kustomize"]["patches"][0]["target"]
    deployment = find_object(out, target["kind"], target["name"])
    assert "litestream" in container_names(deployment)
    volumes = set(volume_names(deployment))
    for name in container_names(deployment):
        assert set(mounts(deployment, name).values()) <= volumes, name
    for name in container_names(deployment, init=True):
        assert set(mounts(deployment, name, init=True).values()) <= volumes, name
