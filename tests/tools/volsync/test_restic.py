"""The repository a ReplicationSource names, used by the real restic (Debian ``restic``)
against a real S3 server (SeaweedFS) with exactly the URL and Secret keys docs/volsync.md
gives: init, back up a folder as the mover does, forget with the class's retain, restore into
another folder, every file equal.

The example homelab's VolSync target is pointed at the test's bucket and compiled; the URL is
read from the generated objects, and the Secret holds the four documented keys and nothing
else (the host's AWS_* settings are scrubbed by tests/support/restic.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from compiler.tools.volsync.names import REPOSITORY_ANNOTATION, SECRET_KEYS, restic_duration
from tests.alerts.helpers import compile_root
from tests.conftest import REPO, require_tool
from tests.litestream.example import copy_example, edit_yaml
from tests.support import restic
from tests.support.s3server import S3Bucket
from tests.tools.volsync.example import SOURCES, objects

pytestmark = pytest.mark.integration

DOCS = REPO / "docs" / "volsync.md"
PASSWORD = "correct horse battery staple"


def _compile_against(bucket: S3Bucket, tmp_path: Path) -> dict[str, Any]:
    root = copy_example(tmp_path / "example")

    def point_at_bucket(data: dict[str, Any]) -> None:
        target = data["spec"]["targets"]["nas-volsync"]
        target["endpoint"], target["bucket"] = bucket.endpoint, bucket.name

    edit_yaml(root / "policies" / "cluster.yaml", point_at_bucket)
    return objects(compile_root(root), SOURCES)["ReplicationSource"]


def _secret(url: str, bucket: S3Bucket) -> dict[str, str]:
    """The repository Secret as docs/volsync.md tells the user to write it."""
    values = [url, PASSWORD, bucket.access_key, bucket.secret_key]
    return dict(zip(SECRET_KEYS, values, strict=True))


def _forget_options(retain: dict[str, Any]) -> list[str]:
    """The flags VolSync's generateForgetOptions makes of ``retain`` (mover.go)."""
    units = ("hourly", "daily", "weekly", "monthly", "yearly")
    out = [a for unit in units if unit in retain for a in (f"--keep-{unit}", str(retain[unit]))]
    return out + (["--keep-within", retain["within"]] if "within" in retain else [])


def _volume(data: Path) -> Path:
    """A config volume's files: text, a binary database, a nested folder."""
    (data / "metadata" / "library").mkdir(parents=True)
    (data / "config.xml").write_text("<ServerConfiguration/>\n")
    (data / "data.db").write_bytes(os.urandom(200_000))
    (data / "metadata" / "library" / "poster.jpg").write_bytes(bytes(range(256)) * 40)
    return data


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_docs_give_the_keys_and_the_url_form() -> None:
    text = DOCS.read_text()
    for key in SECRET_KEYS:
        assert f"`{key}`" in text
    assert "s3:<endpoint>/<bucket>/volsync/<namespace>/<claim>" in text
    assert "s3:http://nas.home.arpa:9000/restic/volsync/media/jellyfin-config" in text


def test_backup_and_restore_with_the_documented_repository(
    s3_bucket: S3Bucket, tmp_path: Path
) -> None:
    require_tool("restic (Debian restic)", restic.restic_binary() is not None)
    source = _compile_against(s3_bucket, tmp_path)
    url = source["metadata"]["annotations"][REPOSITORY_ANNOTATION]
    namespace, claim = source["metadata"]["namespace"], source["spec"]["sourcePVC"]
    expected = f"s3:{s3_bucket.endpoint}/{s3_bucket.name}/volsync/{namespace}/{claim}"
    assert url == expected  # the documented form, with the target's endpoint and bucket
    secret = _secret(url, s3_bucket)
    assert sorted(secret) == sorted(SECRET_KEYS)

    data, restored, cache = _volume(tmp_path / "data"), tmp_path / "restored", tmp_path / "cache"

    restic.init(secret, cache_dir=cache)
    snapshot = restic.backup(secret, data, cache_dir=cache)
    assert snapshot.host == restic.VOLSYNC_HOST
    retain = source["spec"]["restic"]["retain"]
    forget = ["forget", "--host", restic.VOLSYNC_HOST, *_forget_options(retain)]
    restic.run(secret, forget, cache_dir=cache)
    assert [s.id for s in restic.snapshots(secret, cache_dir=cache)] == [snapshot.id]

    restic.restore_latest(secret, restored, cache_dir=cache)
    assert _files(restored) == _files(data)
    # the repository is exactly under the URL's path in the bucket
    prefix = f"volsync/{namespace}/{claim}/"
    stored = s3_bucket.keys()
    assert stored and all(key.startswith(prefix) for key in stored)
    assert f"{prefix}config" in stored


def test_restic_accepts_the_written_keep_within(s3_bucket: S3Bucket, tmp_path: Path) -> None:
    """``within`` is written in restic's units (days and hours; restic's m is a month)."""
    require_tool("restic (Debian restic)", restic.restic_binary() is not None)
    url = f"s3:{s3_bucket.endpoint}/{s3_bucket.name}/volsync/ns/claim"
    secret = _secret(url, s3_bucket)
    data = tmp_path / "data"
    data.mkdir()
    (data / "file").write_text("x\n")
    restic.init(secret)
    restic.backup(secret, data)
    for seconds in (36 * 3600, 14 * 86400, 3600):
        within = restic_duration(seconds)
        restic.run(secret, ["forget", "--host", restic.VOLSYNC_HOST, "--keep-within", within])
    assert len(restic.snapshots(secret)) == 1
