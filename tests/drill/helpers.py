"""Drills of (copies of) the example homelab, and the pieces tests take out of them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from compiler.config import RunConfig
from compiler.pipeline.drill import DrillResult, drill
from tests.support.files import REPO as REPO
from tests.support.files import copy_example as copy_example
from tests.support.files import load_all as load_all

DAY = dt.date(2026, 12, 6)
# One test of each type in the example's plan.
EXAMPLE_TESTS = {
    "longhorn-snapshot": "BT-LH-01",
    "k8up-restic": "BT-K8-01",
    "velero-namespace": "BT-VL-01",
    "litestream": "BT-LS-01",
    "volsync": "BT-VS-01",
    "cnpg": "BT-PG-01",
    "full-dr": "BT-DR-01",
}


def run_drill(root: Path, test_id: str) -> DrillResult:
    config = RunConfig(policies=root / "policies", output=root / "out")
    return drill(config, test_id, DAY)


def documents(root: Path, result: DrillResult) -> dict[str, list[dict[str, Any]]]:
    """File (relative to the output root) -> its YAML documents, as written."""
    return {rel: load_all((root / "out" / rel).read_text()) for rel in result.files}


def objects(root: Path, result: DrillResult) -> list[dict[str, Any]]:
    return [doc for docs in documents(root, result).values() for doc in docs]


def env(container: dict[str, Any]) -> dict[str, str]:
    """A container's plain env values (secretKeyRef entries left out)."""
    return {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}


def merged(document: Any, patch: Any) -> Any:
    """A JSON merge patch (RFC 7386), what `kubectl patch --type merge` applies."""
    if not isinstance(patch, dict):
        return patch
    out = dict(document) if isinstance(document, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merged(out.get(key), value)
    return out
