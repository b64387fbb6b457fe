"""K8up's SQLite dump (``k8up.sqliteDump``): a consistent copy that counts for the RPO.

Through the CLI on an acceptance case: K8up alone (its file-level copy of the PVC) does not
meet the database's RPO and ``explain`` says why; with the dump it does. The generated
``k8up.io/backupcommand`` is split into words like K8up does (no shell) and run with the real
``sqlite3`` against a database being written: the dump restores to a database that passes
``PRAGMA integrity_check``, holds whole transactions only, and, once the writer stops, equals
the original.
"""

from __future__ import annotations

import json
import shlex
import shutil
import sqlite3
import subprocess
import threading
from pathlib import Path
from typing import Any

from compiler.core.yamlread import load_documents
from tests.conftest import RunCli, require_tool
from tests.support.validation import kustomize_build
from tests.test_cases import materialise

CASE = Path(__file__).parents[2] / "cases" / "valid" / "k8up-sqlite-dump"
DB = "/data/app.db"
DUMP = f"  k8up:\n    sqliteDump:\n      database: {DB}\n"


def _case(tmp: Path, dump: bool) -> Path:
    root = materialise(CASE, tmp)
    policy = root / "policies" / "services" / "web.yaml"
    if not dump:
        text = policy.read_text()
        start = text.index("  k8up:\n")
        end = text.index("  restoreTests:")
        policy.write_text(text[:start] + text[end:])
    return root


def _db_copies(run_cli: RunCli, root: Path) -> list[dict[str, Any]]:
    result = run_cli("explain", "apps/web", "--format", "json", cwd=root)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    items = {i["item"]: i for s in data["services"] for i in s["items"]}
    return list(items[f"sqlite:{DB}"]["copies"])


def _k8up_alone_meets(copies: list[dict[str, Any]], rpo: int) -> bool:
    k8up = [c for c in copies if c["method"] == "k8up" and c["consistent"] and c["separate"]]
    return any(c["worstGapSeconds"] <= rpo for c in k8up)


def test_k8up_alone_misses_the_db_rpo_and_the_dump_meets_it(
    tmp_path: Path, run_cli: RunCli
) -> None:
    rpo = 24 * 3600  # class important
    plain = _db_copies(run_cli, _case(tmp_path / "plain", dump=False))
    (k8up,) = [c for c in plain if c["method"] == "k8up"]
    assert not k8up["consistent"]
    assert "not a consistent copy" in k8up["note"] and "k8up.sqliteDump" in k8up["note"]
    assert not _k8up_alone_meets(plain, rpo)

    dumped = _db_copies(run_cli, _case(tmp_path / "dump", dump=True))
    (k8up,) = [c for c in dumped if c["method"] == "k8up"]
    assert k8up["consistent"]
    assert f"sqlite3 {DB} .dump" in k8up["note"]
    assert _k8up_alone_meets(dumped, rpo)

    text = run_cli("explain", "apps/web", cwd=_case(tmp_path / "text", dump=False)).output
    assert "k8up -> garage (separate target)" in text
    assert "does not count: a file-level copy of a live sqlite database" in text


def _pod_annotations(root: Path, kubectl: str) -> dict[str, Any]:
    built = kustomize_build(root / "out" / "kubernetes" / "apps" / "apps" / "web")
    (deployment,) = [d for d in load_documents(built) if d.get("kind") == "Deployment"]
    template = deployment["spec"]["template"]
    assert template["metadata"]["labels"]["backup-policy.io/service"] == "web"
    return dict(template["metadata"]["annotations"])


def test_compiled_pod_carries_the_backup_command(
    tmp_path: Path, run_cli: RunCli, kubectl: str
) -> None:
    root = _case(tmp_path, dump=True)
    assert run_cli("compile", cwd=root).exit_code == 0
    annotations = _pod_annotations(root, kubectl)
    assert annotations["k8up.io/backupcommand"] == f"sqlite3 {DB} .dump"
    assert annotations["k8up.io/backupcommand-container"] == "web"
    assert annotations["k8up.io/file-extension"] == ".sql"


def _writer(db: Path, stop: threading.Event, wrote: threading.Event) -> None:
    """Transactions that move one unit between two tables: a torn copy breaks the sum;
    ``wrote`` is set once the first one is committed."""
    conn = sqlite3.connect(db, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    number = 0
    while not stop.is_set():
        number += 1
        with conn:
            conn.execute("INSERT INTO items (label) VALUES (?)", (f"row-{number}" * 20,))
            conn.execute("UPDATE totals SET value = value + 1")
        wrote.set()
    conn.close()


def _restore(dump: str, into: Path) -> sqlite3.Connection:
    subprocess.run(["sqlite3", str(into)], input=dump, text=True, check=True)
    conn = sqlite3.connect(into)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    return conn


def _contents(conn: sqlite3.Connection) -> tuple[list[Any], list[Any]]:
    items = conn.execute("SELECT id, label FROM items ORDER BY id").fetchall()
    return items, conn.execute("SELECT value FROM totals").fetchall()


def test_the_generated_command_dumps_a_database_being_written(
    tmp_path: Path, run_cli: RunCli, kubectl: str
) -> None:
    require_tool("sqlite3", shutil.which("sqlite3") is not None)
    root = _case(tmp_path / "case", dump=True)
    assert run_cli("compile", cwd=root).exit_code == 0
    command = _pod_annotations(root, kubectl)["k8up.io/backupcommand"]
    live = tmp_path / "app.db"
    with sqlite3.connect(live) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT)")
        conn.execute("CREATE TABLE totals (value INTEGER)")
        conn.execute("INSERT INTO totals VALUES (0)")
    conn.close()
    argv = [str(live) if word == DB else word for word in shlex.split(command)]
    stop, wrote = threading.Event(), threading.Event()
    writer = threading.Thread(target=_writer, args=(live, stop, wrote))
    writer.start()
    try:
        # the dumps start once rows are being written: on a busy machine the thread had
        # not committed one before the fifth dump ended, and the last dump was empty
        assert wrote.wait(timeout=30), "the writer never committed"
        dumps = [
            subprocess.run(argv, capture_output=True, text=True, check=True).stdout
            for _ in range(5)
        ]
    finally:
        stop.set()
        writer.join()
    for number, dump in enumerate(dumps):
        restored = _restore(dump, tmp_path / f"during-{number}.db")
        items, totals = _contents(restored)
        assert totals == [(len(items),)]  # whole transactions only
    assert len(_contents(_restore(dumps[-1], tmp_path / "last.db"))[0]) > 0
    after = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    with sqlite3.connect(live) as original:
        assert _contents(_restore(after, tmp_path / "after.db")) == _contents(original)


def test_a_helmrelease_gets_the_annotations_after_the_litestream_post_renderer(
    example: Path, run_cli: RunCli, kubectl: str
) -> None:
    policy = example / "policies" / "services" / "paperless.yaml"
    text = policy.read_text()
    policy.write_text(
        text.replace("  restoreTests:", DUMP.replace(DB, "/data/db.sqlite3") + "  restoreTests:")
    )
    assert run_cli("compile", cwd=example).exit_code == 0
    app = example / "out" / "kubernetes" / "apps" / "productivity" / "paperless" / "app"
    (release,) = [d for d in load_documents(kustomize_build(app)) if d["kind"] == "HelmRelease"]
    patches = [
        load_documents(r["kustomize"]["patches"][0]["patch"])[0]
        for r in release["spec"]["postRenderers"]
    ]
    assert len(patches) == 2  # Litestream's, then the dump's: neither replaces the other
    assert any(
        c["name"] == "litestream" for c in patches[0]["spec"]["template"]["spec"]["containers"]
    )
    annotations = patches[1]["spec"]["template"]["metadata"]["annotations"]
    assert annotations["k8up.io/backupcommand"] == "sqlite3 /data/db.sqlite3 .dump"
    assert annotations["k8up.io/backupcommand-container"] == "main"
