"""tests/support/postgres.py against real PostgreSQL, real barman-cloud and a real S3 server.

The scenario CloudNativePG's barman-cloud plugin relies on: a primary archives its WAL with
barman-cloud-wal-archive, a base backup is taken with barman-cloud-backup, more rows are written
after it, and a new server restored with barman-cloud-restore and recovering through
barman-cloud-wal-restore has every row, including those written after the base backup.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from tests.support import postgres as pg
from tests.support.s3server import S3Bucket

pytestmark = pytest.mark.integration

CLUSTER = "pg-main"


def object_store(s3: S3Bucket, prefix: str, server_name: str = CLUSTER) -> pg.ObjectStore:
    return pg.ObjectStore(
        destination_path=f"s3://{s3.name}/{prefix}",
        endpoint_url=s3.endpoint,
        access_key_id=s3.access_key,
        secret_access_key=s3.secret_key,
        server_name=server_name,
        region=s3.region,
    )


def insert_rows(server: pg.PostgresServer, first: int, count: int) -> None:
    server.psql(
        f"insert into items select i, 'item ' || i from generate_series({first}, "
        f"{first + count - 1}) as i"
    )


def test_server_runs_as_the_server_user_and_is_gone_after_a_failure(
    pg_bindir: Path, workdir: Path
) -> None:
    data = workdir / "data"
    with pytest.raises(RuntimeError, match="boom"), pg.PostgresServer(data) as server:
        assert server.psql("select current_setting('port')") == str(server.port)
        assert server.psql("select 1 + 1") == "2"
        pid = int((data / "postmaster.pid").read_text().splitlines()[0])
        assert os.stat(f"/proc/{pid}").st_uid == pg.server_user().uid
        raise RuntimeError("boom")
    assert not (data / "postmaster.pid").exists()
    assert process_ends(pid)


def process_ends(pid: int, timeout: float = 5.0) -> bool:
    """Whether ``pid`` is gone or a zombie within ``timeout`` (pg_ctl stop -w returns when
    postmaster.pid is removed, a moment before the postmaster exits)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


def test_wal_archived_after_the_base_backup_is_replayed_on_restore(
    s3_bucket: S3Bucket,
    pg_bindir: Path,
    barman_bindir: Path,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Host settings that would break or redirect boto3 must not reach the barman-cloud commands
    # (a missing AWS_PROFILE alone makes boto3 fail with ProfileNotFound).
    monkeypatch.setenv("AWS_CA_BUNDLE", str(workdir / "no-such-ca.pem"))
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    store = object_store(s3_bucket, "prod/databases")
    settings = pg.archiving_settings(store, barman_bindir, timeout="1s")
    with pg.PostgresServer(workdir / "primary", settings=settings, env=store.env()) as primary:
        primary.psql("create table items (id int primary key, name text not null)")
        insert_rows(primary, 1, 1000)
        backup = pg.take_backup(store, primary, barman_bindir, name="before-more-rows")
        insert_rows(primary, 1001, 500)  # only in the WAL archive, not in the base backup
        last_wal = primary.switch_wal()
        primary.wait_until_archived(last_wal)
        expected = primary.psql("select count(*), sum(id) from items")
    assert expected == "1500|1125750"

    keys = [o.key for o in s3_bucket.list_objects(store.server_prefix + "/")]
    base = f"{store.server_prefix}/base/{backup.backup_id}/"
    assert {k.removeprefix(base) for k in keys if k.startswith(base)} == {
        "backup.info",
        "data.tar",
    }
    wals = [k for k in keys if k.startswith(f"{store.server_prefix}/wals/")]
    assert any(re.fullmatch(r".*/wals/[0-9A-F]{16}/[0-9A-F]{24}", k) for k in wals), wals
    assert any(k.endswith(".backup") for k in wals), wals
    assert re.fullmatch(r"\d{8}T\d{6}", backup.backup_id)

    # A recovered cluster must archive under another server name: this one is taken.
    assert not pg.wal_archive_is_empty(store, barman_bindir, workdir)
    fresh = object_store(s3_bucket, "prod/databases", server_name=f"{CLUSTER}-restored")
    assert pg.wal_archive_is_empty(fresh, barman_bindir, workdir)

    restored = workdir / "restored"
    pg.restore_backup(store, barman_bindir, backup.backup_id, restored)
    with pg.PostgresServer(
        restored,
        settings=pg.recovery_settings(store, barman_bindir),
        env=store.env(),
        recovery=True,
    ) as server:
        server.wait_until_promoted()
        assert server.psql("select count(*), sum(id) from items") == expected
        assert server.psql("select max(id) from items") == "1500"
        log = server.log_path.read_text()
    # The rows after the base backup came from the archive through restore_command.
    assert f'restored log file "{last_wal}" from archive' in log
    assert "selected new timeline ID: 2" in log
