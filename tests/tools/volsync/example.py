"""The example homelab's VolSync app (jellyfin) compiled, and small trees compiled with VolSync."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from compiler.pipeline.build import BuildResult
from tests.alerts.helpers import documents, example_result

APP = "kubernetes/apps/media/jellyfin"
SOURCES = f"{APP}/backup/volsync-jellyfin-config.yaml"
RULES = f"{APP}/backup/prometheusrule.yaml"
STATE_METRICS = "kubernetes/apps/observability/backup-policy/volsync-state-metrics.yaml"
SERVICE = "media/jellyfin"
CLAIM = "jellyfin-config"


def outputs(result: BuildResult) -> dict[str, str]:
    assert result.outputs is not None, result.diagnostics.sorted()
    return result.outputs


def objects(result: BuildResult, path: str = SOURCES) -> dict[str, dict[str, Any]]:
    """Kind -> object of a generated file."""
    return {d["kind"]: d for d in documents(outputs(result)[path])}


def example() -> BuildResult:
    return example_result()


def write_out(result: BuildResult, root: Path) -> None:
    """A compile's generated files written under ``root`` (beside a copy of the tree)."""
    for path, text in outputs(result).items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def gap(result: BuildResult, claim: str = CLAIM, service: str = SERVICE) -> int:
    """The PVC's effective RPO by VolSync, as the analysis computed it."""
    assert result.analysis is not None
    for coverage in result.analysis.coverage:
        if coverage.service.key == service and coverage.item.key == f"pvc/{claim}":
            return next(c.gap for c in coverage.copies if c.method == "volsync")
    raise AssertionError(claim)


def config_map_data(result: BuildResult) -> dict[str, Any]:
    (config_map,) = documents(outputs(result)[STATE_METRICS])
    data: dict[str, Any] = yaml.safe_load(config_map["data"]["config.yaml"])
    return data
