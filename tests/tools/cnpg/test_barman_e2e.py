"""The generated object-store settings with real PostgreSQL, real barman-cloud and SeaweedFS.

The compiler's output is all a cluster's backups rest on: the ObjectStore's endpoint,
destination path and credentials, the plugin's server name and the archive_timeout patched
into the Cluster. Here a real primary archives its WAL with exactly those
(barman-cloud-wal-archive, as the plugin runs it), a base backup is taken
(barman-cloud-backup), rows are written after it and never switched out by hand: the
archive timeout alone must bring them to the archive (the effective RPO the analysis
claims). A new server restored with barman-cloud-restore and replaying the archive through
barman-cloud-wal-restore has every row.

The in-tree method writes the same values into the Cluster's barmanObjectStore (without
the region); ``generated_store`` reads them from there, and test_objects.py proves that
mapping, so one run with the plugin's objects keeps CI short.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.support import postgres as pg
from tests.support.s3server import S3Bucket
from tests.tools.cnpg.tree import cluster_patch, compile_tree, make_tree, objects

pytestmark = pytest.mark.integration

ARCHIVE_TIMEOUT = "2s"  # the policy's archiveTimeout: short, so the test waits little


def _secret_value(secrets: Mapping[str, Mapping[str, str]], ref: Mapping[str, str]) -> str:
    return secrets[ref["name"]][ref["key"]]


def generated_store(s3: S3Bucket, root: Path, method: str) -> tuple[pg.ObjectStore, str]:
    """The object store and archive_timeout a compile for ``s3`` generates, with the
    credentials Secret the ObjectStore references filled as the cluster would have it."""
    target = {"endpoint": s3.endpoint, "bucket": s3.name, "region": s3.region}
    cnpg = {"method": method, "archiveTimeout": ARCHIVE_TIMEOUT}
    outputs = compile_tree(make_tree(root, cnpg=cnpg, target=target)).outputs
    assert outputs is not None
    secrets = {"garage-s3": {"access-key-id": s3.access_key, "secret-access-key": s3.secret_key}}
    spec: Any = cluster_patch(outputs)["spec"]
    if method == "plugin":
        (store,) = objects(outputs, "ObjectStore")
        config = store["spec"]["configuration"]
        server = spec["plugins"][0]["parameters"]["serverName"]
        env = {e["name"]: e["value"] for e in store["spec"]["instanceSidecarConfiguration"]["env"]}
        region = env.get("AWS_DEFAULT_REGION")
    else:
        config = spec["backup"]["barmanObjectStore"]
        server, region = config["serverName"], None
    credentials = config["s3Credentials"]
    found = pg.ObjectStore(
        destination_path=config["destinationPath"],
        endpoint_url=config["endpointURL"],
        access_key_id=_secret_value(secrets, credentials["accessKeyId"]),
        secret_access_key=_secret_value(secrets, credentials["secretAccessKey"]),
        server_name=server,
        region=region,
    )
    return found, spec["postgresql"]["parameters"]["archive_timeout"]


def insert_rows(server: pg.PostgresServer, first: int, count: int) -> None:
    server.psql(
        f"insert into items select i, 'item ' || i from generate_series({first}, "
        f"{first + count - 1}) as i"
    )


def test_rows_after_the_base_backup_come_back_through_the_wal_archive(
    s3_bucket: S3Bucket,
    pg_bindir: Path,
    barman_bindir: Path,
    workdir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Host settings that would break or redirect boto3 must not reach the barman-cloud commands
    # (a missing AWS_PROFILE alone makes boto3 fail with ProfileNotFound).
    monkeypatch.setenv("AWS_CA_BUNDLE", str(workdir / "no-such-ca.pem"))
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    store, timeout = generated_store(s3_bucket, tmp_path / "tree", "plugin")
    assert store.destination_path == f"s3://{s3_bucket.name}/cnpg/apps"
    assert store.server_name == "web-db" and timeout == ARCHIVE_TIMEOUT
    settings = pg.archiving_settings(store, barman_bindir, timeout=timeout)
    with pg.PostgresServer(workdir / "primary", settings=settings, env=store.env()) as primary:
        primary.psql("create table items (id int primary key, name text not null)")
        insert_rows(primary, 1, 1000)
        backup = pg.take_backup(store, primary, barman_bindir, name="bp-plugin")
        insert_rows(primary, 1001, 500)  # only in the WAL, never switched out by hand
        segment = primary.psql("select pg_walfile_name(pg_current_wal_lsn())")
        primary.wait_until_archived(segment, timeout=30)  # archive_timeout closes it
        expected = primary.psql("select count(*), sum(id) from items")
    assert expected == "1500|1125750"

    keys = [o.key for o in s3_bucket.list_objects(store.server_prefix + "/")]
    assert store.server_prefix == "cnpg/apps/web-db"
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
    fresh = dataclasses.replace(store, server_name=f"{store.server_name}-restored")
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
        log = server.log_path.read_text()
    assert f'restored log file "{segment}" from archive' in log
    assert "selected new timeline ID: 2" in log
