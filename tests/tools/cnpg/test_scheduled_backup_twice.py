"""A hand-written ScheduledBackup of a cluster the policy declares runs beside the generated
``<cluster>-backup``: rule BP399 warns at the hand-written one, and ``import`` (which takes
its schedule into the class's block) says to delete it after the first compile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.config import RunConfig
from compiler.core.diagnostics import Diagnostic
from compiler.core.generated import HEADER_MARK
from compiler.pipeline.build import build
from compiler.tools.cnpg import importer
from compiler.tools.cnpg.names import PLUGIN
from compiler.tree.read import read_tree
from tests.tools.cnpg.tree import APP, CLUSTER, make_tree

SHOWN = f"out/{APP}/scheduled-backup.yaml"
ARCHIVING = f"""  plugins:
    - name: {PLUGIN}
      isWALArchiver: true
      parameters:
        barmanObjectName: web-store
"""
STORE = """apiVersion: barmancloud.cnpg.io/v1
kind: ObjectStore
metadata:
  name: web-store
spec:
  configuration:
    destinationPath: s3://k8up/by-hand/web/
    endpointURL: http://garage.storage.svc:3900
    s3Credentials:
      accessKeyId: {name: web-s3, key: AWS_ACCESS_KEY_ID}
      secretAccessKey: {name: web-s3, key: AWS_SECRET_ACCESS_KEY}
"""
OURS = "0 55 4 * * *"  # the base case's important class, spread by H for web-db


def _backup(schedule: str = "@daily", cluster: str = "web-db", name: str = "nightly") -> str:
    return (
        "---\napiVersion: postgresql.cnpg.io/v1\nkind: ScheduledBackup\n"
        f"metadata:\n  name: {name}\nspec:\n  schedule: {schedule!r}\n"
        f"  cluster:\n    name: {cluster}\n"
    )


def _add(app: Path, name: str, text: str) -> None:
    """Write ``name`` into the app's folder and list it in its kustomization."""
    (app / name).write_text(text)
    kustomization = yaml.safe_load((app / "kustomization.yaml").read_text())
    kustomization["resources"].append(f"./{name}")
    (app / "kustomization.yaml").write_text(yaml.safe_dump(kustomization, sort_keys=False))


def _tree(root: Path, text: str, **options: Any) -> Path:
    tree = make_tree(root, **options)
    _add(tree / "out" / APP, "scheduled-backup.yaml", text)
    return tree


def _twice(root: Path) -> list[Diagnostic]:
    result = build(RunConfig(policies=root / "policies", output=root / "out"))
    return [d for d in result.diagnostics.sorted() if d.rule == "BP399"]


def _message(name: str = "nightly") -> str:
    return (
        f"ScheduledBackup {name!r} ({SHOWN}) also takes base backups of cluster web-db, which "
        f"the generated web-db-backup schedules at {OURS!r}: two schedules compete"
    )


def _hint(times: str | None) -> str:
    if times is None:
        return (
            "delete the hand-written ScheduledBackup (the generated one replaces it, at the "
            "same times)"
        )
    return (
        "delete the hand-written ScheduledBackup (the generated one replaces it), or, if its "
        f"times matter, first set class important's cnpg schedule to {times}"
    )


@pytest.mark.parametrize(
    "schedule, times",
    [
        ("@daily", "'0 0 * * *'"),
        ("0 30 2 * * *", "'30 2 * * *'"),
        ("@every 1h", "its times"),  # robfig's interval has no cron to write
        (OURS, None),  # the class already runs at its times
    ],
)
def test_a_hand_written_schedule_of_a_declared_cluster_is_reported_where_it_is(
    schedule: str, times: str | None, tmp_path: Path
) -> None:
    found = _twice(_tree(tmp_path, _backup(schedule)))
    assert found == [
        Diagnostic(
            SHOWN,
            2,
            1,
            "warning",
            "BP399",
            _message(),
            _hint(times),
            ("postgres:web-db", "web-db"),
        )
    ]


def test_each_hand_written_schedule_of_the_cluster_is_reported(tmp_path: Path) -> None:
    found = _twice(_tree(tmp_path, _backup() + _backup("0 0 12 * * 0", name="weekly")))
    assert [(d.file, d.line, d.col, d.message) for d in found] == [
        (SHOWN, 2, 1, _message()),
        (SHOWN, 11, 1, _message("weekly")),
    ]


@pytest.mark.parametrize(
    "text",
    [
        _backup(cluster="other-db"),  # another cluster's
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nightly\n",
    ],
)
def test_no_hand_written_schedule_of_the_cluster_passes(text: str, tmp_path: Path) -> None:
    assert _twice(_tree(tmp_path, text)) == []


def test_a_cluster_of_another_app_is_another_cluster(tmp_path: Path) -> None:
    tree = make_tree(tmp_path)
    other = tree / "out" / "kubernetes" / "apps" / "other"
    other.mkdir(parents=True)
    (other / "scheduled-backup.yaml").write_text(_backup())
    assert _twice(tree) == []


def test_a_cluster_no_policy_declares_is_not_judged(tmp_path: Path) -> None:
    tree = _tree(tmp_path, _backup(cluster="web-db"), postgres=[{"cluster": "app-db"}])
    assert _twice(tree) == []


def test_the_schedule_an_earlier_compile_wrote_is_not_hand_written(tmp_path: Path) -> None:
    tree = make_tree(tmp_path)
    backup = tree / "out" / APP / "backup"
    backup.mkdir(exist_ok=True)
    (backup / "cnpg-web-db.yaml").write_text(f"{HEADER_MARK} from:\n" + _backup(OURS))
    _add(tree / "out" / APP, "old-schedule.yaml", f"{HEADER_MARK} from:\n" + _backup())
    assert _twice(tree) == []


def _imported(root: Path, text: str) -> Any:
    app = root / "apps" / "web"
    app.mkdir(parents=True)
    (app / "cluster.yaml").write_text(CLUSTER + ARCHIVING)
    (app / "objectstore.yaml").write_text(STORE)
    (app / "scheduled-backup.yaml").write_text(text)
    return importer.import_existing(read_tree(root, "."))


def test_import_takes_the_schedule_and_says_to_delete_the_scheduled_backup(
    tmp_path: Path,
) -> None:
    part = _imported(tmp_path, _backup())
    (copy,) = part.copies
    assert copy.block["schedule"] == "0 0 * * *"
    lines = [n.line() for n in part.reported if "ScheduledBackup" in n.message]
    assert lines == [
        "apps/web/scheduled-backup.yaml:2:1: ScheduledBackup nightly: its schedule is "
        "imported; delete it after the first compile, the generated web-db-backup replaces it"
    ]


def test_import_says_nothing_of_a_scheduled_backup_an_earlier_compile_wrote(
    tmp_path: Path,
) -> None:
    part = _imported(tmp_path, f"{HEADER_MARK} from:\n" + _backup(OURS))
    (copy,) = part.copies
    assert copy.block["schedule"] == "55 4 * * *"
    assert [n.message for n in part.reported if "ScheduledBackup" in n.message] == []
