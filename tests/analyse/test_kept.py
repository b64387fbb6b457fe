"""Each tool says how far back the copies it keeps reach (Copy.kept), from its retention
settings: the example's classes, worked out by hand from policies/cluster.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.config import RunConfig
from compiler.core.retention import DAY, HOUR, MONTH, WEEK
from compiler.pipeline.validate import validate
from tests.support.files import REPO


@pytest.fixture(scope="module")
def kept() -> dict[tuple[str, str], int | None]:
    analysis = validate(RunConfig(policies=Path(REPO / "policies"))).analysis
    assert analysis is not None
    return {
        (coverage.service.key, copy.method): copy.kept
        for coverage in analysis.coverage
        for copy in coverage.copies
    }


@pytest.mark.parametrize(
    ("service", "method", "reach", "why"),
    [
        ("productivity/paperless", "k8up", 12 * MONTH, "critical: keepMonthly 12"),
        ("media/audiobookshelf", "k8up", 6 * MONTH, "important: the default keepMonthly 6"),
        ("productivity/paperless", "longhorn-backup", 8 * WEEK, "weekly tier, retain 8"),
        ("productivity/paperless", "longhorn-snapshot", DAY, "every 30 min, retain 48"),
        ("media/audiobookshelf", "longhorn-snapshot", 48 * HOUR, "every 6h, retain 8"),
        ("media/audiobookshelf", "longhorn-backup", 14 * DAY, "daily, retain 14"),
        ("media/jellyfin", "volsync", 6 * MONTH, "retain monthly 6"),
        ("productivity/miniflux", "cnpg", 30 * DAY, "retention 30d"),
        ("productivity/paperless", "litestream", 7 * DAY, "retention 168h"),
    ],
)
def test_each_method_reaches_back_as_its_settings_say(
    kept: dict[tuple[str, str], int | None], service: str, method: str, reach: int, why: str
) -> None:
    assert kept[(service, method)] == reach, why
