"""Every PVC and replicated database of a tree, placed in its app (without policies)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from compiler.tree.census import folder_place, tree_items
from compiler.tree.fluxapps import substitute
from compiler.tree.read import read_tree
from tests.conftest import realworld_dir, require_tool
from tests.tree.helpers import helm_release, tree_of

FLUX = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: %s, namespace: flux-system}
spec:
  targetNamespace: media
  path: ./apps/media/%s/app
  components: [../../../../components/volsync]
  postBuild:
    substitute: {APP: %s}
"""
COMPONENT = """apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: "${APP}-${SUFFIX:=data}"}
spec: {storageClassName: "${CLASS:=ceph-block}"}
"""
LITESTREAM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ls}\ndata:\n  l.yml: |\n"


def _files() -> dict[str, str]:
    release = helm_release({"persistence": {"cache": {}}}, "4.1.1", name="sonarr")
    unknown = helm_release({"persistence": {"data": {}}}, name="radarr")
    unknown["spec"]["valuesFrom"] = [{"kind": "Secret", "name": "values"}]
    return {
        "apps/media/sonarr/ks.yaml": FLUX % ("sonarr", "sonarr", "sonarr"),
        "apps/media/radarr/ks.yaml": FLUX % ("radarr", "radarr", "radarr"),
        "components/volsync/kustomization.yaml": "kind: Component\nresources: [pvc.yaml]\n",
        "components/volsync/pvc.yaml": COMPONENT,
        "apps/media/sonarr/app/kustomization.yaml": "resources: [hr.yaml, ls.yaml]\n",
        "apps/media/sonarr/app/hr.yaml": yaml.safe_dump(release),
        "apps/media/sonarr/app/ls.yaml": LITESTREAM + "    dbs: [{path: /config/s.db}]\n",
        "apps/media/radarr/app/kustomization.yaml": "resources: [hr.yaml]\n",
        "apps/media/radarr/app/hr.yaml": yaml.safe_dump(unknown),
        "apps/misc/lonely/pvc.yaml": COMPONENT.replace("${APP}", "lonely"),
        "apps/misc/lonely/litestream.yml": "dbs:\n  - path: /data/lonely.db\n",
    }


def test_items_are_placed_in_their_apps(tmp_path: Path) -> None:
    found = [
        (i.kind, i.namespace, i.app, i.name, i.storage_class)
        for i in tree_items(tree_of(tmp_path, _files()))
    ]
    assert found == [
        ("release", "media", "radarr", "HelmRelease radarr", ""),
        ("pvc", "media", "sonarr", "sonarr", ""),
        ("pvc", "misc", "lonely", "lonely-data", "ceph-block"),  # defaults apply anywhere
        ("pvc", "media", "radarr", "radarr-data", "ceph-block"),
        ("pvc", "media", "sonarr", "sonarr-data", "ceph-block"),
        ("sqlite", "media", "sonarr", "/config/s.db", ""),
        ("sqlite", "misc", "lonely", "/data/lonely.db", ""),
    ]


@pytest.mark.parametrize(
    ("text", "variables", "expected"),
    [
        ("${APP}-data", {"APP": "a"}, "a-data"),
        ("${APP}-${S:=data}", {"APP": "a"}, "a-data"),
        ("${APP}-${S:=data}", {"APP": "a", "S": "config"}, "a-config"),
        ("${S:-x}", {"S": ""}, "x"),
        ("${S-x}", {"S": ""}, ""),
        ("${APP}", {}, None),
        ("plain", {}, "plain"),
    ],
)
def test_flux_substitution(text: str, variables: dict[str, str], expected: str | None) -> None:
    assert substitute(text, variables) == expected


def test_the_tyriis_tree_as_its_provenance_counts() -> None:
    """40 hand-written PVCs (7 + 33 VolSync instances, plus 2 of Kustomizations its parent
    leaves commented out), 4 created by app-template, 1 Litestream database."""
    root = realworld_dir() / "tyriis__home-ops"
    require_tool(f"the real-world fixture {root}", root.is_dir())
    items = list(tree_items(read_tree(root, "tyriis")))
    pvcs = {(i.app, i.name) for i in items if i.kind == "pvc"}
    assert not [i for i in items if "${" in i.name]
    chart = {i.name for i in items if i.source.startswith("persistence.")}
    assert chart == {"immich", "piper-data", "whisper-data", "pocket-id"}
    assert len(pvcs) == 44  # piper-data and whisper-data are also written in pvc.yaml
    assert [(i.app, i.name) for i in items if i.kind == "sqlite"] == [
        ("pocket-id", "/app/data/pocket-id.db")
    ]


@pytest.mark.parametrize(
    ("file", "place"),
    [
        ("kubernetes/apps/media/jellyfin/app/pvc.yaml", ("media", "jellyfin")),
        ("kubernetes/apps/media/jellyfin/pvc.yaml", ("media", "jellyfin")),
        # tuxpeople: a subfolder of the app is not the app
        ("kubernetes/apps/storage/k8up/conf/schedule.yaml", ("storage", "k8up")),
        ("kubernetes/main/apps/gaming/minecraft/world/data/pvc.yaml", ("gaming", "minecraft")),
        # the generated Component of an app, and its patches
        ("kubernetes/apps/media/jellyfin/backup/patches/x.yaml", ("media", "jellyfin")),
        # no apps/ folder: the folder and its parent
        ("kubernetes/platform/longhorn/app/pvc.yaml", ("platform", "longhorn")),
        ("clusters/home/media/jellyfin/backup/patches/x.yaml", ("media", "jellyfin")),
        ("pvc.yaml", ("", ".")),
    ],
)
def test_a_file_no_flux_kustomization_applies_is_placed_by_its_folders(
    file: str, place: tuple[str, str]
) -> None:
    assert folder_place(file) == place


SHARED_FLUX = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: %s, namespace: flux-system}
spec:
  targetNamespace: agents
  path: ./apps/agents/agent/app
  postBuild:
    substitute: {APP: %s}
"""


def test_a_folder_several_kustomizations_build_gives_each_its_own_items(tmp_path: Path) -> None:
    """tyriis builds one folder with four Kustomizations, each substituting its own
    ``${APP}``: a claim named ``${APP}-cache`` there is one PVC per Kustomization."""
    files = {
        "apps/agents/agent/ks.yaml": "---\n".join(SHARED_FLUX % (n, n) for n in ("ana", "bo")),
        "apps/agents/agent/app/kustomization.yaml": "resources: [pvc.yaml]\n",
        "apps/agents/agent/app/pvc.yaml": COMPONENT.replace("${SUFFIX:=data}", "cache"),
    }
    found = [(i.namespace, i.app, i.name) for i in tree_items(tree_of(tmp_path, files))]
    assert found == [("agents", "ana", "ana-cache"), ("agents", "bo", "bo-cache")]


def test_a_release_shared_by_apps_creates_each_apps_pvcs(tmp_path: Path) -> None:
    """One ``${APP}`` app-template release in a kustomize Component two worlds add, each
    world's Flux Kustomization giving APP its value: each world's chart PVC is an item of
    that world (once a single "unknown release" of the first world only)."""
    component = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
    values = {"persistence": {"data": {"storageClass": "longhorn", "size": "1Gi"}}}
    files = {
        "components/world/kustomization.yaml": component + "resources: [hr.yaml]\n",
        "components/world/hr.yaml": yaml.safe_dump(helm_release(values, name="${APP}")),
    }
    for world in ("lobby", "forge"):
        flux = FLUX % (world, world, world)
        files[f"apps/media/{world}/ks.yaml"] = flux.replace(
            "  components: [../../../../components/volsync]\n", ""
        )
        files[f"apps/media/{world}/app/kustomization.yaml"] = (
            "components: [../../../../components/world]\n"
        )
    items = [(i.kind, i.name, i.app, i.storage_class) for i in tree_items(tree_of(tmp_path, files))]
    assert sorted(items) == [
        ("pvc", "forge-data", "forge", "longhorn"),
        ("pvc", "lobby-data", "lobby", "longhorn"),
    ]
