"""tests/support/postgres.py against real PostgreSQL, real barman-cloud and a real S3 server.

The harness's archive, backup and restore scenario runs once, through the generated
ObjectStore, in tests/tools/cnpg/test_barman_e2e.py (it costs a quarter of a minute).
"""

from __future__ import annotations

import os
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
