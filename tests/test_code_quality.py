"""The project's own standards, enforced where CI runs: ruff lint and format, mypy strict."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from tests.conftest import REPO, require_tool

SOURCES = ["compiler", "tests", "benchmarks"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    "command",
    [("ruff", "check", *SOURCES), ("ruff", "format", "--check", *SOURCES)],
    ids=["ruff-check", "ruff-format"],
)
def test_ruff_is_clean(command: tuple[str, ...]) -> None:
    require_tool("ruff (pip install -e '.[test]')", importlib.util.find_spec("ruff") is not None)
    done = _run(*command)
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict_is_clean() -> None:
    require_tool("mypy (pip install -e '.[test]')", importlib.util.find_spec("mypy") is not None)
    done = _run("mypy")  # strict, with the pydantic plugin: see [tool.mypy] in pyproject.toml
    assert done.returncode == 0, done.stdout + done.stderr
