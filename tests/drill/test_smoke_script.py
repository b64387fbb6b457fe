"""The drill's smoke test (templates/drill/smoke.sh), run here under busybox sh with the real
sqlite3 shell and the environment of the generated check pods: a good copy passes, a missing
file, a corrupted or missing database and an empty volume fail."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.drill.helpers import copy_example, documents, env, run_drill

Pods = dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Pods]:
    """The smoke script as shipped in the drill's ConfigMap, and each check pod's env."""
    root = copy_example(tmp_path_factory.mktemp("smoke"))
    result = run_drill(root, "BT-LH-01")
    script, pods = "", {}
    for docs in documents(root, result).values():
        for document in docs:
            if document["kind"] == "ConfigMap":
                script = document["data"]["smoke.sh"]
            if document["kind"] == "Pod":
                pods[document["metadata"]["name"]] = env(document["spec"]["containers"][0])
    return script, pods


def smoke(
    script: str, variables: dict[str, str], volume: Path, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    require_tool("busybox", shutil.which("busybox") is not None)
    require_tool("sqlite3", shutil.which("sqlite3") is not None)
    path = tmp_path / "smoke.sh"
    path.write_text(script)
    environment = {**variables, "CHECK_ROOT": str(volume), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        ["busybox", "sh", str(path)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def database(path: Path, rows: int = 2000) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        db.execute("CREATE INDEX t_v ON t (v)")
        db.executemany("INSERT INTO t VALUES (?, ?)", [(i, f"row {i}" * 20) for i in range(rows)])
    db.close()
    return path


def corrupt(path: Path) -> None:
    """Garbage over a page in the middle: the file opens, integrity_check finds it."""
    data = bytearray(path.read_bytes())
    page = 4096
    middle = (len(data) // page // 2) * page
    data[middle : middle + page] = bytes(range(256)) * (page // 256)
    path.write_bytes(bytes(data))


def test_a_good_copy_passes(drill: tuple[str, Pods], tmp_path: Path) -> None:
    script, pods = drill
    volume = tmp_path / "data"
    database(volume / "db.sqlite3")
    done = smoke(script, pods["bp-drill-check-paperless-data"], volume, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok   db.sqlite3: integrity_check ok" in done.stdout
    assert done.stdout.endswith("smoke test passed\n")


def test_a_corrupted_database_fails(drill: tuple[str, Pods], tmp_path: Path) -> None:
    script, pods = drill
    volume = tmp_path / "data"
    corrupt(database(volume / "db.sqlite3"))
    done = smoke(script, pods["bp-drill-check-paperless-data"], volume, tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL db.sqlite3: integrity_check: " in done.stdout


def test_a_missing_database_fails(drill: tuple[str, Pods], tmp_path: Path) -> None:
    script, pods = drill
    volume = tmp_path / "data"
    (volume / "other").mkdir(parents=True)
    done = smoke(script, pods["bp-drill-check-paperless-data"], volume, tmp_path)
    assert done.returncode == 1
    assert "FAIL db.sqlite3: no database there" in done.stdout
    assert not (volume / "db.sqlite3").exists()  # sqlite3 did not create it


def test_a_declared_file_must_exist(drill: tuple[str, Pods], tmp_path: Path) -> None:
    script, pods = drill
    variables = pods["bp-drill-check-paperless-media"]
    assert variables["MUST_EXIST"] == "documents/originals"
    volume = tmp_path / "media"
    (volume / "documents/thumbnails").mkdir(parents=True)
    failed = smoke(script, variables, volume, tmp_path)
    assert failed.returncode == 1 and "FAIL documents/originals is missing" in failed.stdout
    (volume / "documents/originals").mkdir()
    passed = smoke(script, variables, volume, tmp_path)
    assert passed.returncode == 0 and "ok   documents/originals exists" in passed.stdout


def test_an_empty_volume_fails(drill: tuple[str, Pods], tmp_path: Path) -> None:
    script, pods = drill
    volume = tmp_path / "empty"
    (volume / "lost+found").mkdir(parents=True)  # what a fresh ext4 volume holds
    done = smoke(script, pods["bp-drill-check-n8n-data"], volume, tmp_path)
    assert done.returncode == 1 and f"FAIL {volume} is empty" in done.stdout


def test_quick_check_and_a_bad_setting(drill: tuple[str, Pods], tmp_path: Path) -> None:
    script, pods = drill
    volume = tmp_path / "data"
    database(volume / "db.sqlite3")
    quick = {**pods["bp-drill-check-paperless-data"], "SQLITE_CHECK": "quick_check"}
    done = smoke(script, quick, volume, tmp_path)
    assert done.returncode == 0 and "db.sqlite3: quick_check ok" in done.stdout
    wrong = {**quick, "SQLITE_CHECK": "vacuum"}
    assert smoke(script, wrong, volume, tmp_path).returncode == 2
