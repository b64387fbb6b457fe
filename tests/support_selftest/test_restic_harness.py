"""tests/support/restic.py against the real restic and a real S3 server (SeaweedFS).

Proves that the four keys of a VolSync restic repository Secret are all restic needs: init,
back up a folder as the mover does, restore the latest snapshot into another folder, and get
every file back byte for byte.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.support import restic
from tests.support.s3server import S3Bucket

pytestmark = pytest.mark.integration

PREFIX = "backups/app"  # the repository's place in the test's own bucket (s3_bucket)


@pytest.fixture
def repo_env(s3_bucket: S3Bucket) -> dict[str, str]:
    require_tool("restic (Debian restic)", restic.restic_binary() is not None)
    return restic.repository_secret(
        restic.s3_repository(s3_bucket.endpoint, s3_bucket.name, PREFIX),
        "restic-test-password",
        s3_bucket.access_key,
        s3_bucket.secret_key,
        region=s3_bucket.region,
    )


def write_tree(root: Path) -> None:
    """A few files of different shapes: text, binary, empty, and a nested directory."""
    (root / "nested" / "deeper").mkdir(parents=True)
    (root / "hello.txt").write_text("hello restic\n")
    (root / "blob.bin").write_bytes(os.urandom(300_000))
    (root / "empty").write_bytes(b"")
    (root / "nested" / "config.yaml").write_text("a: 1\nb: [2, 3]\n")
    (root / "nested" / "deeper" / "data.bin").write_bytes(bytes(range(256)) * 64)


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_backup_and_restore_round_trip_with_only_the_secret_keys(
    repo_env: dict[str, str],
    s3_bucket: S3Bucket,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Host settings that would break or redirect a Go S3 client must not leak in.
    monkeypatch.setenv("AWS_CA_BUNDLE", str(tmp_path / "no-such-ca.pem"))
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    source, target, cache = tmp_path / "data", tmp_path / "restored", tmp_path / "cache"
    write_tree(source)

    restic.init(repo_env, cache_dir=cache)
    snapshot = restic.backup(repo_env, source, cache_dir=cache)
    assert snapshot.host == restic.VOLSYNC_HOST
    assert [s.id for s in restic.snapshots(repo_env, cache_dir=cache)] == [snapshot.id]

    restic.restore_latest(repo_env, target, cache_dir=cache)
    assert tree(target) == tree(source)
    assert len(tree(target)) == 5

    # The repository sits under the URL's path in the bucket: config, keys/, data/, ...
    keys = {k.removeprefix(f"{PREFIX}/") for k in s3_bucket.keys(f"{PREFIX}/")}
    assert s3_bucket.keys() == {f"{PREFIX}/{k}" for k in keys}  # nothing outside the prefix
    assert "config" in keys
    assert {k.split("/")[0] for k in keys if k != "config"} == {
        "keys",
        "data",
        "index",
        "snapshots",
    }


def test_restore_latest_takes_the_newest_snapshot_without_a_cache(
    repo_env: dict[str, str], tmp_path: Path
) -> None:
    source, target = tmp_path / "data", tmp_path / "restored"
    write_tree(source)
    restic.init(repo_env)
    first = restic.backup(repo_env, source)
    (source / "hello.txt").write_text("changed\n")
    (source / "nested" / "new.txt").write_text("added after the first snapshot\n")
    second = restic.backup(repo_env, source)
    assert [s.id for s in restic.snapshots(repo_env)] == [first.id, second.id]

    restic.restore_latest(repo_env, target)
    assert tree(target) == tree(source)
    assert (target / "hello.txt").read_text() == "changed\n"


def test_a_wrong_password_is_an_error(repo_env: dict[str, str]) -> None:
    restic.init(repo_env)
    with pytest.raises(restic.ResticError, match="wrong password"):
        restic.snapshots({**repo_env, "RESTIC_PASSWORD": "not-the-password"})
