"""The inventory's indexes answer per-app questions as a scan of the whole tree would."""

from __future__ import annotations

from pathlib import Path

from msgspec.structs import replace

from compiler.core.generated import header
from compiler.tree import Inventory
from compiler.tree.claims import app_claims
from compiler.tree.containers import app_containers
from compiler.tree.fluxreach import Build, flux_build
from compiler.tree.records import Kustomization, TreeFile
from tests.tree.helpers import tree_of

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  template:
    spec:
      containers: [{{name: {name}, image: "ghcr.io/x/{name}:1.0"}}]
"""


def _inventory(paths: list[str], kustomized: list[str]) -> Inventory:
    files = {p: TreeFile(p, "") for p in paths}
    kustomizations = {f: Kustomization(f, f"{f}/kustomization.yaml") for f in kustomized}
    folders = {p.rpartition("/")[0] for p in paths} - {""}
    return Inventory(files=files, kustomizations=kustomizations, folders=frozenset(folders))


def test_what_is_under_a_folder_is_its_slice_and_never_a_sibling_with_a_longer_name() -> None:
    paths = ["a/x.yaml", "a-b/y.yaml", "a/b/z.yaml", "a.yaml", "ab/w.yaml", "b/v.yaml"]
    inventory = _inventory(paths, [".", "a", "a/b", "a-b"])
    assert inventory.files_under("a") == ("a/b/z.yaml", "a/x.yaml")
    assert inventory.files_under(".") == tuple(sorted(paths))
    assert inventory.files_under("c") == ()
    assert inventory.kustomizations_under("a") == ("a/b",)
    assert inventory.kustomizations_under(".") == ("a", "a-b", "a/b")


def _generated_by_scan(inventory: Inventory, folder: str) -> Build:
    """The generated kustomization by comparing every pair, as it was first written."""

    def under(path: str, top: str) -> bool:
        return top == "." or path.startswith(f"{top}/")

    build = Build()
    nested = sorted(k for k in inventory.kustomizations if k != folder and under(k, folder))
    tops = [k for k in nested if not any(under(k, o) for o in nested if o != k)]
    for top in tops:
        build.folders.add(top)
    for path in inventory.files:
        loose = not any(under(path, top) for top in tops)
        if under(path, folder) and path.endswith((".yaml", ".yml")) and loose:
            build.files.add(path)
    return build


def test_a_folder_without_kustomization_builds_its_top_kustomizations_and_loose_files() -> None:
    paths = [
        "apps/ns.yaml",
        "apps/a/kustomization.yaml",
        "apps/a/app/kustomization.yaml",
        "apps/a-b/deploy.yaml",
        "apps/c/d/kustomization.yaml",
        "apps/c/d/e/kustomization.yaml",
        "apps/c/loose.yml",
        "apps/c/readme.md",
        "other/x.yaml",
    ]
    inventory = _inventory(paths, ["apps/a", "apps/a/app", "apps/c/d", "apps/c/d/e"])
    for folder in ("apps", ".", "apps/c"):
        expected = _generated_by_scan(inventory, folder)
        built = flux_build(inventory, folder)
        assert expected.files == built.files, folder
        assert expected.folders <= built.folders, folder  # tops, and what they pull in
        assert not any(f.startswith("apps/a/app") for f in expected.folders)


def test_an_apps_workloads_come_in_the_inventorys_order(tmp_path: Path) -> None:
    names = {"apps/web/b.yaml": "b", "apps/web/a.yaml": "a", "apps/web-2/c.yaml": "c"}
    inventory = tree_of(tmp_path, {p: DEPLOYMENT.format(name=n) for p, n in names.items()})
    scanned = [w for w in inventory.workloads if w.manifest.file.startswith("apps/web/")]
    assert inventory.workloads_under("apps/web") == scanned
    assert [w.manifest.name for w in scanned] == ["a", "b"]


def test_a_derived_index_is_built_once_per_inventory() -> None:
    """``Inventory.derived`` (the Flux index): asked per service, built on the first ask;
    an inventory made by ``replace`` is another tree and builds its own."""
    built: list[Inventory] = []

    def index(inventory: Inventory) -> tuple[str, ...]:
        built.append(inventory)
        return tuple(inventory.files)

    inventory = _inventory(["a/x.yaml"], ["a"])
    assert inventory.derived(index) == ("a/x.yaml",)
    assert inventory.derived(index) == ("a/x.yaml",)
    assert built == [inventory]
    other = replace(inventory, files={"b/y.yaml": TreeFile("b/y.yaml", "")})
    assert other.derived(index) == ("b/y.yaml",)
    assert len(built) == 2


def test_a_files_documents_are_parsed_once_per_inventory(tmp_path: Path) -> None:
    """``Inventory.documents``: a hand-written file's are the tree stage's own; a generated
    file is parsed on the first ask and kept (rules ask for the same config per service)."""
    generated_by = header(("policies/services/web.yaml",))
    inventory = tree_of(
        tmp_path,
        {
            "apps/web/deploy.yaml": DEPLOYMENT.format(name="web"),
            "apps/web/backup/config.yaml": generated_by + "---\nkind: ConfigMap\ndata: {a: b}\n",
            "apps/web/broken.yaml": "a: [\n",
        },
    )
    generated = "apps/web/backup/config.yaml"
    assert inventory.generated_text(generated) is not None, "the header marks it generated"
    assert inventory.documents("apps/web/deploy.yaml") is inventory.parsed["apps/web/deploy.yaml"]
    first = inventory.documents(generated)
    assert isinstance(first, list) and first[0].data == {"kind": "ConfigMap", "data": {"a": "b"}}
    assert inventory.documents(generated) is first
    assert replace(inventory).documents(generated) is not first  # another inventory
    broken = inventory.documents("apps/web/broken.yaml")
    assert not isinstance(broken, list) and broken.line == 2
    assert inventory.documents("apps/web/missing.yaml") == []


def test_an_apps_containers_are_found_once_per_inventory(tmp_path: Path) -> None:
    inventory = tree_of(
        tmp_path,
        {
            "apps/web/deploy.yaml": DEPLOYMENT.format(name="web"),
            "apps/db/deploy.yaml": DEPLOYMENT.format(name="db"),
        },
    )
    web = app_containers(inventory, "apps/web")
    assert [(c.name, c.image, c.file) for c in web] == [
        ("web", "ghcr.io/x/web:1.0", "apps/web/deploy.yaml")
    ]
    assert app_containers(inventory, "apps/web") is web
    assert [c.name for c in app_containers(inventory, "apps/db")] == ["db"]
    assert app_containers(replace(inventory), "apps/web") is not web


PVC = """apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {name}
spec:
  resources: {{requests: {{storage: 1Gi}}}}
"""


def test_an_apps_claims_are_found_once_per_inventory(tmp_path: Path) -> None:
    inventory = tree_of(
        tmp_path,
        {
            "apps/web/kustomization.yaml": "resources: [./pvc.yaml]\n",
            "apps/web/pvc.yaml": PVC.format(name="web-data"),
            "apps/db/kustomization.yaml": "resources: [./pvc.yaml, ./missing.yaml]\n",
            "apps/db/pvc.yaml": PVC.format(name="db-data"),
        },
    )
    web = app_claims(inventory, "apps/web")
    assert web is not None and [c.name for c in web.claims] == ["web-data"]
    assert app_claims(inventory, "apps/web") is web
    assert app_claims(inventory, "apps/db") is None  # an unknown build, remembered too
    assert app_claims(inventory, "apps/none") is None
    fresh = app_claims(replace(inventory), "apps/web")
    assert fresh is not web and fresh == web
