"""The tree stage reads whole real repositories: every HelmRelease, PVC and kustomization."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from compiler.core.generated import markdown_header
from compiler.core.treefiles import MAX_FILE_BYTES
from compiler.tree import Inventory
from compiler.tree.read import read_tree
from tests.conftest import REPO, realworld_dir, require_tool
from tests.tree.helpers import tree_of, write_files

TREES = [
    "kelchm__home-lab",
    "ricsanfre__pi-cluster",
    "small-hack__argocd-apps",
    "tuxpeople__k8s-homelab",
    "tyriis__home-ops",
]
_DOCUMENT = re.compile(r"^---[^\n]*$", re.M)


def _documents(root: Path) -> list[tuple[str, str]]:
    """(file, document text) of every YAML document, split by text: an oracle that shares
    nothing with the reader under test."""
    found = []
    for path in sorted(root.rglob("*")):
        if path.suffix in {".yaml", ".yml"} and path.is_file() and not path.is_symlink():
            text = path.read_text(encoding="utf-8", errors="replace")
            rel = path.relative_to(root).as_posix()
            found += [(rel, part) for part in _DOCUMENT.split(text)]
    return found


def _count(root: Path, kind: str, api: str) -> int:
    kind_line = re.compile(rf"^kind:\s*{kind}\s*$", re.M)
    api_line = re.compile(rf"^apiVersion:\s*{re.escape(api)}", re.M)
    return sum(
        1
        for _, text in _documents(root)
        if kind_line.search(text) and api_line.search(text) and re.search(r"^metadata:", text, re.M)
    )


def _shared(name: str) -> Path:
    root = realworld_dir() / name
    require_tool(f"the real-world fixture {root}", root.is_dir())
    return root


@pytest.fixture(scope="module", params=TREES)
def realworld(request: pytest.FixtureRequest) -> tuple[Path, Inventory]:
    root = _shared(request.param)
    return root, read_tree(root, request.param)


def test_every_helm_release_is_found(realworld: tuple[Path, Inventory]) -> None:
    root, inventory = realworld
    expected = _count(root, "HelmRelease", "helm.toolkit.fluxcd.io/")
    assert len(inventory.helm_releases) == expected


def test_every_pvc_and_flux_kustomization_is_found(realworld: tuple[Path, Inventory]) -> None:
    root, inventory = realworld
    assert len(inventory.pvcs) == _count(root, "PersistentVolumeClaim", "v1")
    flux = _count(root, "Kustomization", "kustomize.toolkit.fluxcd.io/")
    assert len(inventory.flux_kustomizations) == flux


def test_every_kustomization_file_is_found(realworld: tuple[Path, Inventory]) -> None:
    root, inventory = realworld
    files = {
        p.relative_to(root).as_posix()
        for name in ("kustomization.yaml", "kustomization.yml", "Kustomization")
        for p in root.rglob(name)
    }
    assert {k.file for k in inventory.kustomizations.values()} == files


def test_files_that_do_not_parse_say_where(realworld: tuple[Path, Inventory]) -> None:
    """Helm chart templates are not YAML; everything a Flux repo holds is."""
    root, inventory = realworld
    broken = {f.path for f in inventory.files.values() if f.error}
    assert all("/templates/" in path for path in broken), broken
    for path in broken:
        line, col = inventory.files[path].error_at
        assert 1 <= line <= len((root / path).read_text().splitlines()) + 1 and col >= 1


def test_the_tyriis_tree_holds_what_its_provenance_counts() -> None:
    """PROVENANCE.md of the fixture: 146 HelmRelease documents (132 releases, 14 patches),
    179 Flux Kustomizations, 8 hand-written PVCs (one a VolSync template)."""
    inventory = read_tree(_shared("tyriis__home-ops"), "tyriis")
    assert len(inventory.helm_releases) == 146
    assert len(inventory.flux_kustomizations) == 179
    assert len(inventory.pvcs) == 8
    app_template = [r for r in inventory.helm_releases if r.chart.chart == "app-template"]
    assert len(app_template) >= 62
    assert {r.chart.version for r in app_template} == {"5.1.0"}


def test_the_example_tree() -> None:
    inventory = read_tree(REPO / "out", "out")
    releases = {r.manifest.name: r for r in inventory.helm_releases}
    assert set(releases) == {
        "audiobookshelf",
        "jellyfin",
        "linkding",
        "longhorn",  # the operator's release, which the recurring jobs' ks.yaml depends on
        "overseerr",
        "paperless",
        "spoolman",
    }
    assert all(r.values is not None for r in releases.values())
    assert releases["paperless"].chart.version == "3.7.3"
    assert {p.manifest.name for p in inventory.pvcs} == {
        "jellyfin-config",
        "n8n-data",
        "overseerr-config",
        "paperless-data",
        "paperless-media",
        "python-ipam-data",
    }
    workloads = {w.manifest.name: w for w in inventory.workloads}
    assert {c.name for c in workloads["n8n"].containers} == {"n8n"}
    # hand-written ones only: the compiler's own ks.yaml files are kept as text
    assert {k.manifest.file for k in inventory.flux_kustomizations} == {
        "kubernetes/flux/cluster/ks.yaml",
        "kubernetes/apps/storage/longhorn/ks.yaml",
        *(
            f"kubernetes/apps/{app}/ks.yaml"
            for app in (
                "media/audiobookshelf",
                "media/jellyfin",
                "media/overseerr",
                "productivity/linkding",
                "productivity/paperless",
                "tools/spoolman",
            )
        ),
    }
    generated = [p for p in inventory.generated_paths if "/backup/" in p]
    assert generated and all(inventory.generated_text(p) for p in generated)


def test_odd_yaml_is_read_like_yaml_v3(tmp_path: Path) -> None:
    """Custom tags, anchors defined twice and merge keys are what real repos hold."""
    inventory = tree_of(
        tmp_path,
        {
            "secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
            "data: {key: !secret db_password}\n",
            "twice.yaml": "a: &x 1\nb: &x 2\napiVersion: v1\nkind: ConfigMap\n"
            "metadata: {name: c}\ndata: {v: *x}\n",
            "merge.yaml": "base: &base {image: a, tag: b}\napiVersion: v1\nkind: Pod\n"
            "metadata: {name: p}\nspec: {<<: *base, tag: c}\n",
        },
    )
    objects = {m.name: m.body for m in inventory.manifests}
    assert objects["s"]["data"] == {"key": "db_password"}
    assert objects["c"]["data"] == {"v": 2}
    assert objects["p"]["spec"] == {"image": "a", "tag": "c"}


def test_alias_bombs_and_deep_nesting_do_not_run_away(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    deep = "x: " + "[" * 5000 + "]" * 5000 + "\n"
    inventory = tree_of(tmp_path, {"bomb.yaml": bomb, "deep.yaml": deep})
    assert "expands to more than" in inventory.files["bomb.yaml"].error
    assert inventory.files["bomb.yaml"].error_at[0] > 1
    assert "nested deeper" in inventory.files["deep.yaml"].error


def test_the_walk_lists_links_and_folders_and_skips_what_it_must(tmp_path: Path) -> None:
    """Files in a stable order (a folder's files, then its subfolders by name); hidden
    folders, the skipped folder and linked folders are not entered; every link is noted."""
    root, outside = tmp_path / "out", tmp_path / "outside"
    names = "b/z.yaml b/a.yaml a/c/deep.yml top.yaml notes.md x.txt .git/config.yaml"
    names += " policies/web.yaml a/kustomization.yaml"
    config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
    write_files(root, dict.fromkeys(names.split(), config_map))
    (outside / "leak").mkdir(parents=True)
    (outside / "leak" / "secret.yaml").write_text("kind: Secret\n")
    (root / "a" / "linked").symlink_to(outside / "leak")
    (root / "b" / "alias.yaml").symlink_to(outside / "leak" / "secret.yaml")
    (root / "dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")

    inventory = read_tree(root, "out", skip=(root / "policies",))

    assert list(inventory.files) == [
        "dangling.yaml", "notes.md", "top.yaml",
        "a/kustomization.yaml", "a/c/deep.yml",
        "b/a.yaml", "b/alias.yaml", "b/z.yaml",
    ]  # fmt: skip
    assert inventory.links == {"a/linked", "b/alias.yaml", "dangling.yaml"}
    assert inventory.folders == {"a", "a/c", "a/linked", "b"}
    for link in ("b/alias.yaml", "dangling.yaml"):
        assert inventory.files[link].text is None
        assert inventory.files[link].error == "a symbolic link: not followed"
    assert [m.file for m in inventory.manifests] == [
        "top.yaml", "a/kustomization.yaml", "a/c/deep.yml", "b/a.yaml", "b/z.yaml"
    ]  # fmt: skip
    assert read_tree(tmp_path / "missing", "missing").files == {}


def test_a_large_generated_file_is_read_and_a_large_hand_written_one_is_not(
    tmp_path: Path,
) -> None:
    """The docs of 1,000 services pass 2 MiB: a generated page that size is the compiler's,
    read to be compared, not a hand-written file in the way of the next compile."""
    row = "| a | b | c |\n" * (MAX_FILE_BYTES // 14 + 1)
    inventory = tree_of(
        tmp_path,
        {
            "docs/backups.md": markdown_header(("policies/cluster.yaml",)) + row,
            "apps/big.yaml": "kind: ConfigMap\r\ndata:\r\n" + "  k: v\r\n" * 400_000,
            "apps/crlf.yaml": "kind: ConfigMap\r\nmetadata: {name: c}\r\n",
        },
    )
    page = inventory.files["docs/backups.md"]
    assert page.generated and page.text is not None and page.text.endswith(row)
    assert inventory.generated_text("docs/backups.md") == page.text
    big = inventory.files["apps/big.yaml"]
    assert big.text is None and big.error == f"larger than {MAX_FILE_BYTES} bytes: not read"
    assert inventory.files["apps/crlf.yaml"].text == "kind: ConfigMap\nmetadata: {name: c}\n"
