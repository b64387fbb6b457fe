"""The CloudNativePG rules beyond their acceptance cases (tests/cases/*/cnpg-*): each way a
user's Cluster can clash with the generated archiving, and what is left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.config import RunConfig
from compiler.pipeline.build import build
from compiler.registry import DEFAULT
from tests.alerts.helpers import crd_tags
from tests.tools.cnpg.tree import APP, CLUSTER, make_tree

PLUGINS = """  plugins:
    - name: {name}
      isWALArchiver: {archiver}
{extra}"""


def _ids(root: Path) -> list[str]:
    result = build(RunConfig(policies=root / "policies", output=root / "out"))
    return [d.rule for d in result.diagnostics.sorted()]


@pytest.mark.parametrize(
    "method, name, archiver, extra, clash",
    [
        ("plugin", "barman-cloud.cloudnative-pg.io", "true", "", True),  # configured by hand
        ("plugin", "other-archiver.example.com", "true", "", True),  # a second WAL archiver
        ("plugin", "other-archiver.example.com", "true", "      enabled: false\n", False),
        ("plugin", "cnpg-i-hello-world.cloudnative-pg.io", "false", "", False),
        ("barmanObjectStore", "barman-cloud.cloudnative-pg.io", "true", "", True),
        ("barmanObjectStore", "cnpg-i-hello-world.cloudnative-pg.io", "false", "", False),
    ],
)
def test_a_wal_archiver_of_the_users_cluster_clashes(
    method: str, name: str, archiver: str, extra: str, clash: bool, tmp_path: Path
) -> None:
    plugins = PLUGINS.format(name=name, archiver=archiver, extra=extra)
    root = make_tree(tmp_path, cnpg={"method": method}, cluster_yaml=CLUSTER + plugins)
    ids = _ids(root)
    assert ("BP394" in ids) == clash, ids
    assert "BP392" in ids if method == "barmanObjectStore" else "BP392" not in ids


def test_a_six_field_scheduled_backup_of_the_user_is_left_alone(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    written = """apiVersion: postgresql.cnpg.io/v1
kind: ScheduledBackup
metadata:
  name: weekly
spec:
  schedule: "0 30 2 * * 0"
  cluster:
    name: web-db
---
apiVersion: postgresql.cnpg.io/v1
kind: ScheduledBackup
metadata:
  name: daily
spec:
  schedule: "@daily"
  cluster:
    name: web-db
"""
    (root / "out" / APP / "more-backups.yaml").write_text(written)
    assert "BP390" not in _ids(root)
    (root / "out" / APP / "more-backups.yaml").write_text(
        written.replace("0 30 2 * * 0", "30 2 * * 0")
    )
    assert _ids(root).count("BP390") == 1


def test_clusters_in_other_namespaces_or_with_own_server_names_do_not_clash(
    tmp_path: Path,
) -> None:
    root = make_tree(
        tmp_path,
        postgres=[{"cluster": "web-db"}, {"cluster": "web-db2", "serverName": "web-db-b"}],
        cluster_yaml=CLUSTER + "---\n" + CLUSTER.replace("name: web-db\n", "name: web-db2\n"),
    )
    assert "BP391" not in _ids(root)


def test_metric_sources_are_read_at_the_versions_of_the_crds() -> None:
    """Every CloudNativePG metric is cited at the tag ../shared/crds was copied from."""
    tags = crd_tags()
    tool = next(t for t in DEFAULT.tools if t.name == "cnpg")
    metrics = {m for kind in tool.alert_kinds for m in kind.metrics}
    assert len(metrics) == 6
    for metric in metrics:
        repo, _, rest = metric.source.partition("@")
        assert rest.split(":")[0] == tags[repo], metric
