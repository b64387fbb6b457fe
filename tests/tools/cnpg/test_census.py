"""CloudNativePG Clusters in the coverage census: a Cluster written in the tree holds a
database whose PVCs the operator makes, so no file names them; the tool lists each one, and
one that no policy declares is uncovered (BP420), at the policy of its app."""

from __future__ import annotations

from pathlib import Path

from compiler.config import RunConfig
from compiler.pipeline.build import build
from compiler.pipeline.coverage import coverage
from tests.tools.cnpg.tree import APP, CLUSTER, make_tree

OTHER = CLUSTER.replace("name: web-db", "name: web-cache-db")


def _tree(root: Path) -> Path:
    tree = make_tree(root)
    (tree / "out" / APP / "cluster.yaml").write_text(CLUSTER + "---\n" + OTHER)
    return tree


def test_every_cluster_of_the_tree_is_a_row(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    result = coverage(RunConfig(policies=root / "policies", output=root / "out"))
    rows = {
        (r.item.kind, r.item.name): (r.state, r.methods)
        for r in result.rows
        if r.item.kind == "postgres"
    }
    assert rows == {
        ("postgres", "web-db"): ("covered", ("cnpg",)),
        ("postgres", "web-cache-db"): ("uncovered", ()),
    }


def test_an_undeclared_cluster_is_reported_at_the_policy(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    result = build(RunConfig(policies=root / "policies", output=root / "out"))
    found = [d for d in result.diagnostics.sorted() if d.rule == "BP420"]
    assert [(d.file, d.message, d.hint) for d in found] == [
        (
            "policies/services/web.yaml",
            "apps/web: Postgres cluster web-cache-db (CloudNativePG Cluster) is not backed up: "
            "it is not under postgres",
            "add it under postgres",
        )
    ]
