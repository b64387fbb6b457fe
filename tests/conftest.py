"""Shared fixtures: the repository root, an isolated copy of the example, the CLI."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from compiler.cli.main import cli
from tests.support.files import REPO as REPO
from tests.support.files import copy_example
from tests.support.validation.schemas import SchemaRegistry

# The session's SeaweedFS and per-test buckets: s3_server, s3_bucket, s3_buckets.
pytest_plugins = ["tests.support.fixtures"]

IN_CI = os.environ.get("CI") == "true"
# Restore-test deadlines are judged on one fixed day, in this process and in every command
# the tests start (SOURCE_DATE_EPOCH, like --today): the suite does not change with the date.
TODAY = "2026-12-06"
os.environ["SOURCE_DATE_EPOCH"] = "1796515200"  # 2026-12-06T00:00:00Z
# The caches (compiled templates, parsed tree documents: compiler/core/user_cache.py) go to a
# folder of this run, not to the user's ~/.cache: the suite neither reads what another version
# left there nor adds to it.
_CACHE = tempfile.mkdtemp(prefix="backup-policy-test-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker more than the cores. The suite waits on real servers and
    binaries (SeaweedFS, litestream, PostgreSQL, promtool, kubectl) as much as it computes;
    on 2 cores 3 workers took 194 s where 2 took 208 s."""
    return (os.cpu_count() or 1) + 1


def require_tool(name: str, found: bool) -> None:
    """Skip locally when a system tool is missing; in CI a missing tool is a failure."""
    if found:
        return
    if IN_CI:
        pytest.fail(f"{name} is required in CI but was not found")
    pytest.skip(f"{name} is not installed")


CRDS_ENV = "BACKUP_POLICY_CRDS"


def crd_dir() -> Path:
    return Path(os.environ.get(CRDS_ENV) or REPO.parent / "shared" / "crds")


def realworld_dir() -> Path:
    """Public homelab repos used as fixtures, read in place from ../shared/realworld."""
    return Path(os.environ.get("BACKUP_POLICY_REALWORLD") or REPO.parent / "shared" / "realworld")


@pytest.fixture(scope="session")
def schema_registry() -> SchemaRegistry:
    """Upstream CRDs (closed) plus core kinds; read in place from ../shared/crds."""
    path = crd_dir()
    if not path.is_dir():
        reason = f"upstream CRDs not found in {path} (set {CRDS_ENV} to their directory)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    return SchemaRegistry.from_directory(path)


@pytest.fixture
def kubectl() -> str:
    found = shutil.which("kubectl")
    require_tool("kubectl", found is not None)
    return str(found)


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A private copy of policies/ and out/ to compile into."""
    return copy_example(tmp_path)


RunCli = Callable[..., Result]


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch) -> RunCli:
    """Invoke the CLI in-process from a working directory."""

    def invoke(*args: str, cwd: Path) -> Result:
        monkeypatch.chdir(cwd)
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke
