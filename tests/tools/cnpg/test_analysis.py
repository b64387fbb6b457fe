"""The analysis of Postgres clusters: a data item of its own, whose effective RPO under
continuous WAL archiving is the archive timeout, and whose base backups are spread like any
backup of their target."""

from __future__ import annotations

from pathlib import Path

from compiler.analyse import Analysis, Coverage
from compiler.analyse.schedule import minutes_of_week
from compiler.config import RunConfig
from compiler.core import cron
from compiler.pipeline.validate import validate
from tests.conftest import REPO
from tests.tools.cnpg.tree import compile_tree, make_tree


def _analysis(policies: Path) -> Analysis:
    result = validate(RunConfig(policies=policies))
    assert result.analysis is not None, result.diagnostics.sorted()
    return result.analysis


def _postgres(analysis: Analysis, key: str = "postgres:web-db") -> Coverage:
    return next(c for c in analysis.coverage if c.item.key == key)


def test_the_example_cluster_is_protected_by_its_wal_archive() -> None:
    analysis = _analysis(REPO / "policies")
    item = _postgres(analysis, "postgres:miniflux-db")
    assert item.service.key == "productivity/miniflux" and item.item.kind == "postgres"
    (copy,) = item.copies
    assert (copy.method, copy.target, copy.schedule) == ("cnpg", "garage", "continuous")
    assert copy.separate and copy.consistent and copy.gap == 300  # archive_timeout 5m
    assert item.effective_rpo == 300 and item.met
    base = analysis.schedules.cron_for("cnpg/productivity/miniflux/miniflux-db")
    assert repr(base) in copy.note and "at most 1d apart" in copy.note  # the restore bound


def test_the_archive_timeout_is_the_effective_rpo(tmp_path: Path) -> None:
    root = make_tree(tmp_path, cnpg={"archiveTimeout": "90s", "schedule": "H */6 * * *"})
    item = _postgres(_analysis(root / "policies"))
    assert item.effective_rpo == 90
    assert "at most 6h apart" in item.copies[0].note


def test_a_file_level_copy_of_the_clusters_volume_does_not_count(tmp_path: Path) -> None:
    """A policy listing the operator's PVC makes it the item's claim: the PVC tools copy it,
    and the analysis shows those copies without counting them."""
    root = make_tree(tmp_path)
    service = root / "policies/services/web.yaml"
    text = service.read_text().replace(
        "  volumes:\n", "  volumes:\n  - name: pgdata\n    claim: web-db-1\n", 1
    )
    service.write_text(text)
    item = _postgres(_analysis(root / "policies"))
    assert item.item.claim == "web-db-1"
    others = [c for c in item.copies if c.method != "cnpg"]
    assert {c.method for c in others} == {"k8up", "longhorn-backup"}
    assert not any(c.consistent for c in others)
    assert item.effective_rpo == 300 and item.separate_targets == {"garage"}


def test_base_backups_are_spread_among_the_targets_backups(tmp_path: Path) -> None:
    root = make_tree(tmp_path, cnpg={"schedule": "H H(0-5) * * *"})
    analysis = compile_tree(root).analysis
    assert analysis is not None
    book = analysis.schedules
    base = book.cron_for("cnpg/apps/web/web-db")
    k8up = book.cron_for("k8up/apps/web/backup")
    assert not cron.is_hashed(base)
    assert minutes_of_week(base).isdisjoint(minutes_of_week(k8up))
