"""Import of CloudNativePG Clusters, also from a tree an earlier compile wrote into."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.tools.cnpg.importer import _archive_timeout
from compiler.tree.records import Manifest
from tests.conftest import RunCli
from tests.importer.helpers import run_import
from tests.tools.cnpg.tree import APP, CLUSTER, make_tree

OWN_PLUGINS = CLUSTER + "  plugins:\n    - name: cnpg-i-example.io\n"


def test_a_cluster_patched_by_operations_is_imported_again(tmp_path: Path, run_cli: RunCli) -> None:
    """A Cluster with plugins of its own gets JSON6902 operations (a list, not an object);
    importing the compiled tree reads the Cluster as they leave it: it archives its WAL."""
    root = make_tree(tmp_path / "repo", cnpg={"method": "plugin"}, cluster_yaml=OWN_PLUGINS)
    (root / ".git").mkdir()
    assert run_cli("compile", cwd=root).exit_code == 0
    patch = (root / "out" / APP / "backup/patches/cnpg-web-db.yaml").read_text()
    assert "- op: add\n  path: /spec/plugins/-\n" in patch

    result = run_import(root / "out", root / "again")

    assert [d.render() for d in result.diagnostics.items if d.level == "error"] == []
    rows = {(row.item, row.before_rpo, row.after_rpo) for row in result.compared}
    assert ("postgres:web-db", 300, 300) in rows
    service = (root / "again/services/web.yaml").read_text()
    assert "  methods:\n    - cnpg\n" in service
    assert "  postgres:\n    - cluster: web-db\n" in service
    assert 'archiveTimeout: "5m"' in (root / "again/cluster.yaml").read_text()


@pytest.mark.parametrize(
    ("written", "imported"),
    [
        ("5min", "5m"),  # as the compiler writes it
        ("90s", "90s"),
        ("120", "120s"),  # PostgreSQL's unit for archive_timeout
        ("2m", "2m"),
        ("1h", "1h"),
        (" 3 min ", "3m"),
        ("0", "5m"),  # off: the default, as before
        ("5 fortnights", "5m"),
        (None, "5m"),
    ],
)
def test_archive_timeout_is_read_in_postgres_units(written: str | None, imported: str) -> None:
    parameters = {} if written is None else {"archive_timeout": written}
    body = {"spec": {"postgresql": {"parameters": parameters}}}
    cluster = Manifest("c.yaml", 0, "postgresql.cnpg.io/v1", "Cluster", "db", "", (1, 1), body)
    assert _archive_timeout(cluster) == imported
