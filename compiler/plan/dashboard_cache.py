"""The Grafana dashboard's JSON kept between runs, by everything it is built from.

Building the dashboard imports grafana-foundation-sdk and runs its builders: 40 to 55 ms of
a 0.5 s ``check`` of the example, the same for every run whose policies did not change the
panels. A run whose panels were built recently reads their JSON instead (about 1 ms).

An entry is a file named by its key, in the user's cache folder
(:func:`compiler.core.user_cache.private_folder`: ``backup-policy/dashboards``, outside the
repository, so ``check`` still writes nothing to the tree). The key is a digest of what
the JSON depends on: the title, uid, panels and queries; the builder's source
(``compiler/plan/grafana.py``); the installed SDK (its ``__init__`` file's path, size,
inode and modification time: an install or upgrade writes it anew); and Python's version.
So an entry can never stand for other panels or another builder. The :data:`KEEP` entries
used last are kept. A cache that cannot be read or written is no cache: a damaged entry is
a miss, and a run never fails or changes its output for it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from compiler.core.user_cache import keep_newest, private_folder, replace_file
from compiler.plan.alerts import Panel, PanelQuery

FORMAT = b"backup-policy dashboard 1\n"
KEEP = 8
"""Entries kept: a few repositories, and both sides of a ``diff --base``."""
BUILDER = Path(__file__).with_name("grafana.py")
SDK = "grafana_foundation_sdk"
_SUFFIX = ".json"

Panels = list[tuple[Panel, list[PanelQuery]]]


def _sdk_identity() -> str | None:
    """Which SDK is installed, found without importing it (None: none is)."""
    spec = importlib.util.find_spec(SDK)
    if spec is None or spec.origin is None:
        return None
    found = os.stat(spec.origin)
    return f"{spec.origin}\0{found.st_size}\0{found.st_ino}\0{found.st_mtime_ns}"


def key(title: str, uid: str, panels: Panels) -> str | None:
    """The entry's name for this dashboard (None: nothing to key it by, no cache)."""
    try:
        sdk = _sdk_identity()
        builder = BUILDER.read_bytes()
    except (OSError, ImportError, ValueError):
        return None
    if sdk is None:
        return None
    digest = hashlib.blake2b(FORMAT, digest_size=32)
    digest.update(f"{sys.version}\0{sdk}\0{title}\0{uid}\0".encode())
    digest.update(builder)
    digest.update(msgspec.json.encode(panels))
    return digest.hexdigest()


def load(name: str | None, environ: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """The JSON kept under ``name``, marked as used; None when there is none to be had."""
    folder = _folder(environ)
    if name is None or folder is None:
        return None
    file = folder / f"{name}{_SUFFIX}"
    try:
        entry = json.loads(file.read_bytes())
    except (OSError, ValueError):  # missing, damaged (JSONDecodeError is a ValueError)
        return None
    if not isinstance(entry, dict) or entry.get("key") != name:
        return None
    model = entry.get("model")
    if not isinstance(model, dict):
        return None
    with contextlib.suppress(OSError):  # a read-only cache is still read
        os.utime(file)  # used now: the last to be pruned
    return model


def save(name: str | None, model: dict[str, Any], environ: Mapping[str, str] | None = None) -> None:
    """Keep ``model`` under ``name``, and only the :data:`KEEP` entries used last."""
    folder = _folder(environ)
    if name is None or folder is None:
        return
    data = json.dumps({"key": name, "model": model}, sort_keys=True).encode()
    with contextlib.suppress(OSError):
        replace_file(folder / f"{name}{_SUFFIX}", data)
        keep_newest(folder, _SUFFIX, KEEP, time.time())


def _folder(environ: Mapping[str, str] | None) -> Path | None:
    return private_folder("dashboards", os.environ if environ is None else environ)
