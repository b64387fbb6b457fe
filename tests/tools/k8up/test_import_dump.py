"""Import of a K8up backup command that dumps a SQLite database: kept as the service's
``k8up.sqliteDump`` (a consistent K8up copy of the database) when a Litestream config of the
app replicates it; any other command, or a database nothing replicates, is reported."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from compiler.tools.k8up import importer
from compiler.tree.read import read_tree
from tests.conftest import REPO

APP = "kubernetes/apps/apps/web"
SCHEDULE = """apiVersion: k8up.io/v1
kind: Schedule
metadata:
  name: web
  namespace: apps
spec:
  backend:
    repoPasswordSecretRef: {name: k8up-repo, key: password}
    s3:
      endpoint: http://garage.storage.svc:3900
      bucket: k8up
      accessKeyIDSecretRef: {name: garage-s3, key: access-key-id}
      secretAccessKeySecretRef: {name: garage-s3, key: secret-access-key}
  backup:
    schedule: "17 3 * * *"
"""
LITESTREAM = """apiVersion: v1
kind: ConfigMap
metadata:
  name: web-litestream
data:
  litestream.yml: |
    dbs:
      - path: /data/app.db
        replicas:
          - url: s3://litestream/apps/web/app.db
"""


def _tree(root: Path, command: str, replicated: bool = True) -> Path:
    shutil.copytree(REPO / "tests/cases/base/out", root, dirs_exist_ok=True)
    app = root / APP
    deployment = yaml.safe_load((app / "deployment.yaml").read_text())
    annotations = {"k8up.io/backupcommand": command, "k8up.io/backupcommand-container": "web"}
    deployment["spec"]["template"]["metadata"]["annotations"] = annotations
    (app / "deployment.yaml").write_text(yaml.safe_dump(deployment, sort_keys=False))
    (app / "schedule.yaml").write_text(SCHEDULE)
    if replicated:
        (app / "litestream.yaml").write_text(LITESTREAM)
    return root


def test_a_sqlite_dump_command_is_a_consistent_k8up_copy(tmp_path: Path) -> None:
    part = importer.import_existing(read_tree(_tree(tmp_path, "sqlite3 /data/app.db .dump"), "."))
    copies = {(c.item, c.method, c.gap) for c in part.copies}
    assert copies == {("pvc/web-data", "k8up", 86400), ("sqlite:/data/app.db", "k8up", 86400)}
    (app,) = part.apps
    assert app.app == ("apps", "web")
    assert app.blocks == {"k8up": {"sqliteDump": {"database": "/data/app.db", "container": "web"}}}
    assert not [n for n in part.unmapped if "backupcommand" in n.message or "dumps" in n.message]


def test_another_command_is_reported_not_guessed(tmp_path: Path) -> None:
    command = "sh -c 'sqlite3 /data/app.db .dump'"
    part = importer.import_existing(read_tree(_tree(tmp_path, command), "."))
    assert {c.item for c in part.copies} == {"pvc/web-data"}
    assert part.apps == ()
    assert [n.line() for n in part.unmapped] == [
        f"{APP}/deployment.yaml:1:1: Deployment web: k8up.io/backupcommand {command!r} is not "
        "sqlite3 <db> .dump: the copy it makes is not imported"
    ]


def test_a_dump_of_a_database_nothing_replicates_is_reported(tmp_path: Path) -> None:
    tree = _tree(tmp_path, "sqlite3 /data/app.db .dump", replicated=False)
    part = importer.import_existing(read_tree(tree, "."))
    assert {c.item for c in part.copies} == {"pvc/web-data"}
    (line,) = [n.line() for n in part.unmapped]
    assert "K8up dumps /data/app.db, which no Litestream config of the app replicates" in line
