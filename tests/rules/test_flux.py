"""Flux wiring: what the entry reaches, the generated ks.yaml, output.shared (BP408, BP411)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.config import RunConfig
from compiler.pipeline.build import BuildResult, build
from compiler.tree.fluxreach import flux_build, reach
from compiler.tree.read import read_tree
from tests.litestream.example import edit_yaml, load_all
from tests.support.validation.schemas import SchemaRegistry
from tests.test_cases import CASES, materialise
from tests.tree.helpers import tree_of

REPO = Path(__file__).resolve().parents[2]
LONGHORN = "kubernetes/apps/storage/longhorn/recurring-jobs"
DASHBOARD = "kubernetes/apps/observability/backup-policy"
PLACED = "kubernetes/apps/storage/longhorn/app/backup-policy"


def flux(name: str, path: str, source: str = "flux-system") -> str:
    spec = {"path": path, "interval": "1h", "prune": True}
    spec |= {"sourceRef": {"kind": "GitRepository", "name": source}}
    return yaml.safe_dump(
        {
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": name, "namespace": "flux-system"},
            "spec": spec,
        }
    )


def kustomization(*resources: str) -> str:
    return yaml.safe_dump({"kind": "Kustomization", "resources": list(resources)})


CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"


def test_a_folder_without_kustomization_takes_every_file_and_stops_at_kustomizations(
    tmp_path: Path,
) -> None:
    """kustomize-controller's generated kustomization (fluxcd/pkg kustomize_generator.go)."""
    inventory = tree_of(
        tmp_path,
        {
            "apps/a/cm.yaml": CONFIG_MAP,
            "apps/b/kustomization.yaml": kustomization("cm.yaml"),
            "apps/b/cm.yaml": CONFIG_MAP,
            "apps/b/unlisted.yaml": CONFIG_MAP,
            "apps/b/deeper/cm.yaml": CONFIG_MAP,
            "apps/notes.md": "# not applied\n",
        },
    )
    build = flux_build(inventory, "apps")
    assert build.files == {"apps/a/cm.yaml", "apps/b/cm.yaml"}
    assert build.folders == {"apps/b"}


def test_the_entry_is_followed_through_flux_kustomizations(tmp_path: Path) -> None:
    inventory = tree_of(
        tmp_path,
        {
            "kubernetes/flux/cluster/ks.yaml": flux("apps", "./kubernetes/apps"),
            "kubernetes/apps/storage/kustomization.yaml": kustomization("./one/ks.yaml"),
            "kubernetes/apps/storage/one/ks.yaml": flux("one", "./kubernetes/apps/storage/one"),
            "kubernetes/apps/storage/one/kustomization.yaml": kustomization("cm.yaml"),
            "kubernetes/apps/storage/one/cm.yaml": CONFIG_MAP,
            "kubernetes/apps/storage/two/kustomization.yaml": kustomization("cm.yaml"),
            "kubernetes/apps/storage/two/cm.yaml": CONFIG_MAP,
            "kubernetes/apps/media/ks.yaml": flux("media", "./kubernetes/${APPS}/media"),
        },
    )
    found = reach(inventory, "kubernetes/flux")
    assert [k.manifest.name for k in found.kustomizations] == ["apps", "media", "one"]
    assert "kubernetes/apps/storage/one" in found.folders
    assert "kubernetes/apps/storage/two" not in found.folders  # nothing lists it
    assert "./kubernetes/${APPS}/media" in found.unknown


def test_a_kustomization_of_another_repository_is_not_followed(tmp_path: Path) -> None:
    """An upstream project's GitRepository (CRDs, say) with no spec.path: Flux builds
    that repository's root, not this one's; nothing of this tree is reached through it."""
    inventory = tree_of(
        tmp_path,
        {
            "kubernetes/flux/cluster/ks.yaml": flux("apps", "./kubernetes/apps"),
            "kubernetes/apps/db/ks.yaml": flux("upstream-crds", "", source="upstream-crds"),
            "kubernetes/stray/kustomization.yaml": kustomization("cm.yaml"),
            "kubernetes/stray/cm.yaml": CONFIG_MAP,
        },
    )
    found = reach(inventory, "kubernetes/flux")
    assert [k.manifest.name for k in found.kustomizations] == ["apps"]
    assert "kubernetes/stray" not in found.folders


def compiled(root: Path) -> BuildResult:
    return build(RunConfig(policies=root / "policies", output=root / "out"))


def test_every_generated_ks_yaml_validates_against_the_flux_crd(
    schema_registry: SchemaRegistry,
) -> None:
    result = compiled(REPO)
    assert result.outputs is not None
    found = {p: t for p, t in result.outputs.items() if p.endswith("/ks.yaml")}
    assert set(found) == {
        f"{DASHBOARD}/ks.yaml",
        "kubernetes/apps/storage/litestream-cleanup/ks.yaml",
        f"{LONGHORN}/ks.yaml",
        "kubernetes/apps/storage/velero/schedules/ks.yaml",
    }
    for path, text in found.items():
        (document,) = load_all(text)
        assert schema_registry.validate_object(document) == [], path
        folder = path.removesuffix("/ks.yaml")
        assert document["spec"]["path"] == f"./{folder}"
        assert document["spec"]["sourceRef"] == {
            "kind": "GitRepository",
            "name": "home-kubernetes",
            "namespace": "flux-system",
        }
        # kustomize-controller substitutes only when a variable is set: the escaped
        # $${VAR} of the objects become ${VAR} only then
        assert document["spec"]["postBuild"] == {"substitute": {"BACKUP_POLICY_FOLDER": folder}}
        kustomization_text = result.outputs[f"{folder}/kustomization.yaml"]
        assert "ks.yaml" not in kustomization_text  # never applied by the folder itself


def test_depends_on_the_kustomization_that_installs_the_operator() -> None:
    result = compiled(REPO)
    assert result.outputs is not None
    (longhorn,) = load_all(result.outputs[f"{LONGHORN}/ks.yaml"])
    assert longhorn["spec"]["dependsOn"] == [{"name": "longhorn", "namespace": "flux-system"}]
    (velero,) = load_all(result.outputs["kubernetes/apps/storage/velero/schedules/ks.yaml"])
    assert "dependsOn" not in velero["spec"]  # the example does not install Velero


def test_the_example_applies_every_app_and_shared_folder_from_its_entry() -> None:
    inventory = read_tree(REPO / "out", "out")
    found = reach(inventory, "kubernetes/flux")
    folders = {
        k
        for k, v in inventory.kustomizations.items()
        if v.kind != "Component" and k.startswith("kubernetes/apps/")
    }
    namespaces = {k for k in folders if k.count("/") == 2}
    # the compiler's own ks.yaml files are kept as text by the reader (never parsed again),
    # so a generated folder counts as applied when the entry reaches its ks.yaml; that
    # ks.yaml applies its own folder (test_every_generated_ks_yaml_validates_against_the_flux_crd)
    generated = {k for k in folders if f"{k}/ks.yaml" in found.files and k not in found.folders}
    assert generated == {
        DASHBOARD,
        LONGHORN,
        "kubernetes/apps/storage/litestream-cleanup",
        "kubernetes/apps/storage/velero/schedules",
    }
    assert folders - namespaces - generated <= found.folders
    assert not found.unknown


def _place_longhorn(data: Any) -> None:
    data["spec"]["output"]["shared"] = {"longhorn": PLACED}


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return materialise(CASES / "base", tmp_path / "repo")


def test_output_shared_places_the_objects_in_the_users_folder(base: Path) -> None:
    edit_yaml(base / "policies/cluster.yaml", _place_longhorn)
    (base / "out/kubernetes/apps/kustomization.yaml").write_text(
        kustomization("./apps/web", f"./{PLACED.removeprefix('kubernetes/apps/')}")
        + "# observability/backup-policy/ks.yaml is left out on purpose\n"
    )
    result = compiled(base)
    assert result.outputs is not None
    placed = sorted(p for p in result.outputs if p.startswith(PLACED))
    assert placed == [
        f"{PLACED}/bp-important-backup.yaml",
        f"{PLACED}/kustomization.yaml",
    ]  # no ks.yaml: the user's Flux applies the folder
    assert not any(p.startswith(LONGHORN) for p in result.outputs)
    problems = [(d.rule, d.file, d.hint) for d in result.diagnostics.sorted()]
    assert problems == [
        (
            "BP408",
            f"out/{DASHBOARD}/kustomization.yaml",
            "add ./observability/backup-policy/ks.yaml to the resources of "
            "out/kubernetes/apps/kustomization.yaml",
        )
    ]


def test_without_substitution_no_variable_is_set(base: Path) -> None:
    def off(data: Any) -> None:
        data["spec"]["flux"] = {"substitution": False}

    edit_yaml(base / "policies/cluster.yaml", off)
    result = compiled(base)
    assert result.outputs is not None
    (document,) = load_all(result.outputs[f"{LONGHORN}/ks.yaml"])
    assert "postBuild" not in document["spec"]


def test_a_shared_folder_can_be_reached_through_its_parent(base: Path) -> None:
    shutil.rmtree(base / "out/kubernetes/flux")
    (base / "out/kubernetes/flux").mkdir()
    (base / "out/kubernetes/flux/ks.yaml").write_text(flux("storage", "./kubernetes/apps/storage"))
    result = compiled(base)
    unreached = [d.file for d in result.diagnostics.sorted() if d.rule == "BP408"]
    assert unreached == [f"out/{DASHBOARD}/kustomization.yaml"]
