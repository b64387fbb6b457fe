"""Each tool names the retention rules of its copies (Copy.retention), from its settings:
the example's classes, read by hand from policies/cluster.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.config import RunConfig
from compiler.core.retention import DAY, HOUR, WEEK, Kept
from compiler.pipeline.validate import validate
from tests.support.files import REPO


@pytest.fixture(scope="module")
def retention() -> dict[tuple[str, str], tuple[Kept, ...]]:
    analysis = validate(RunConfig(policies=Path(REPO / "policies"))).analysis
    assert analysis is not None
    return {
        (coverage.service.key, copy.method): copy.retention
        for coverage in analysis.coverage
        for copy in coverage.copies
    }


@pytest.mark.parametrize(
    ("service", "method", "rules"),
    [
        (  # critical: written in the class
            "productivity/paperless",
            "k8up",
            (
                Kept("keepLast", 5, spacing=(DAY, DAY)),  # the newest 5 of daily backups
                Kept("keepDaily", 14),
                Kept("keepWeekly", 8),
                Kept("keepMonthly", 12),
            ),
        ),
        (  # important: the settings' default
            "media/audiobookshelf",
            "k8up",
            (
                Kept("keepLast", 5, spacing=(DAY, DAY)),
                Kept("keepDaily", 14),
                Kept("keepWeekly", 8),
                Kept("keepMonthly", 6),
            ),
        ),
        (
            "productivity/paperless",
            "longhorn-backup",
            (  # each tier the newest of its own schedule: hourly, and weekly
                Kept("retain", 24, spacing=(HOUR, HOUR)),
                Kept("retain (weekly)", 8, spacing=(WEEK, WEEK)),
            ),
        ),
        (
            "productivity/paperless",
            "longhorn-snapshot",
            (Kept("retain", 48, spacing=(30 * 60, 30 * 60)),),  # H/30: every half hour
        ),
        (
            "media/jellyfin",
            "volsync",
            (Kept("hourly", 24), Kept("daily", 7), Kept("weekly", 4), Kept("monthly", 6)),
        ),
        ("productivity/miniflux", "cnpg", (Kept("recovery window", 30 * DAY, True),)),
        ("productivity/paperless", "litestream", (Kept("retention", 7 * DAY, True),)),
    ],
)
def test_each_method_names_the_rules_its_settings_give(
    retention: dict[tuple[str, str], tuple[Kept, ...]],
    service: str,
    method: str,
    rules: tuple[Kept, ...],
) -> None:
    assert retention[(service, method)] == rules
