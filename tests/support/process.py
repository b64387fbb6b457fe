"""The compiler run as a user runs it: in its own process, from this checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.files import REPO


def run_compiler(cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m compiler ARGS`` in ``cwd`` with this checkout's package, its output as
    text; the timeout is a hang guard, not a speed assertion."""
    return subprocess.run(
        [sys.executable, "-m", "compiler", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
