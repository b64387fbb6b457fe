"""Effective RPO per data item: local vs separate copies, per method, and whether it is met."""

from __future__ import annotations

from compiler.analyse import Analysis
from compiler.analyse.coverage import Copy, Coverage, DataItem
from tests.analyse.helpers import CLUSTER, Analyse, service

HOUR, DAY = 3600, 86400


def _coverage(analysis: Analysis, item: str) -> Coverage:
    [found] = [c for c in analysis.coverage if c.item.key == item]
    return found


def _copies(coverage: Coverage) -> dict[str, tuple[str, bool, int]]:
    return {c.method: (c.target, c.separate, c.gap) for c in coverage.copies}


def test_longhorn_snapshot_is_local_and_backup_is_separate(analysed: Analyse) -> None:
    analysis = analysed(service("web", classification="critical"))
    coverage = _coverage(analysis, "pvc/web-data")
    assert _copies(coverage) == {
        "longhorn-snapshot": ("nas", False, 30 * 60),
        "longhorn-backup": ("nas", True, HOUR),
        "k8up": ("garage", True, DAY),
    }
    assert coverage.local_rpo == 30 * 60
    assert coverage.effective_rpo == HOUR  # the best copy on a separate target
    assert coverage.met  # critical: RPO 1h


def test_the_gap_is_computed_on_the_resolved_schedule(analysed: Analyse) -> None:
    analysis = analysed(service("web", classification="critical"))
    for copy in _coverage(analysis, "pvc/web-data").copies:
        assert "H" not in copy.schedule
    k8up = next(c for c in _coverage(analysis, "pvc/web-data").copies if c.method == "k8up")
    assert k8up.schedule == analysis.schedules.cron_for("k8up/apps/web/backup")


def test_daily_longhorn_backup_and_k8up(analysed: Analyse) -> None:
    coverage = _coverage(analysed(service("web")), "pvc/web-data")
    assert _copies(coverage) == {
        "longhorn-backup": ("nas", True, DAY),
        "k8up": ("garage", True, DAY),
    }
    assert coverage.local_rpo is None
    assert coverage.effective_rpo == DAY
    assert coverage.met  # important: RPO 24h; a gap equal to the RPO meets it


def test_weekly_k8up(analysed: Analyse) -> None:
    coverage = _coverage(analysed(service("web", classification="best-effort")), "pvc/web-data")
    assert _copies(coverage) == {"k8up": ("garage", True, 7 * DAY)}
    assert coverage.met


def test_non_longhorn_storage_gets_no_longhorn_copies(analysed: Analyse) -> None:
    analysis = analysed(service("web", classification="critical", storage="synology-csi"))
    coverage = _coverage(analysis, "pvc/web-data")
    assert _copies(coverage) == {"k8up": ("garage", True, DAY)}
    assert coverage.effective_rpo == DAY
    assert not coverage.met  # critical wants 1h


def test_service_rpo_override(analysed: Analyse) -> None:
    coverage = _coverage(analysed(service("web", extra="  rpo: 1h\n")), "pvc/web-data")
    assert coverage.service.rpo == HOUR
    assert coverage.effective_rpo == DAY
    assert not coverage.met


def test_only_local_snapshots_never_meet_the_rpo(analysed: Analyse) -> None:
    cluster = CLUSTER.replace('        backup: {schedule: "H * * * *", retain: 24}\n', "")
    analysis = analysed(
        service("web", classification="critical", extra="  methods: [longhorn]\n"), cluster=cluster
    )
    coverage = _coverage(analysis, "pvc/web-data")
    assert _copies(coverage) == {"longhorn-snapshot": ("nas", False, 30 * 60)}
    assert coverage.local_rpo == 30 * 60
    assert coverage.effective_rpo is None
    assert not coverage.met


def test_random_macro_counts_as_its_period(analysed: Analyse) -> None:
    cluster = CLUSTER.replace(
        'k8up: {target: garage, backup: "H H(0-5) * * 0"}',
        'k8up: {target: garage, backup: "@weekly-random"}',
    )
    coverage = _coverage(
        analysed(service("web", classification="best-effort"), cluster=cluster), "pvc/web-data"
    )
    assert _copies(coverage) == {"k8up": ("garage", True, 7 * DAY)}


SQLITE = (
    "  sqlite:\n    - {path: /data/app.db, volume: data}\n"
    "    - {path: /cache/cache.db, volume: cache}\n"
)
VOLUMES = (
    "    - {name: data, claim: NAME-data, mountPath: /data}\n"
    "    - {name: cache, emptyDir: true, mountPath: /cache}\n"
)


def test_litestream_copies(analysed: Analyse) -> None:
    analysis = analysed(service("web", extra=SQLITE, volumes=VOLUMES))
    on_pvc = _coverage(analysis, "sqlite:/data/app.db")
    assert _copies(on_pvc) == {
        "longhorn-backup": ("nas", True, DAY),
        "k8up": ("garage", True, DAY),
        "litestream": ("garage", True, 10),
    }
    assert on_pvc.effective_rpo == 10
    on_empty_dir = _coverage(analysis, "sqlite:/cache/cache.db")
    assert _copies(on_empty_dir) == {"litestream": ("garage", True, 10)}
    assert on_empty_dir.met
    # the emptyDir itself is not a data item; the PVC is
    assert sorted(c.item.key for c in analysis.coverage) == [
        "pvc/web-data",
        "sqlite:/cache/cache.db",
        "sqlite:/data/app.db",
    ]


def test_litestream_sync_interval_and_per_db_targets(analysed: Analyse) -> None:
    cluster = CLUSTER.replace(
        "    targets: [garage]\n", "    targets: [garage]\n    syncInterval: 1m\n"
    )
    extra = "  sqlite:\n    - {path: /cache/cache.db, volume: cache, targets: [garage, minio]}\n"
    analysis = analysed(service("web", extra=extra, volumes=VOLUMES), cluster=cluster)
    coverage = _coverage(analysis, "sqlite:/cache/cache.db")
    assert sorted((c.method, c.target, c.gap) for c in coverage.copies) == [
        ("litestream", "garage", 60),
        ("litestream", "minio", 60),
    ]
    assert coverage.effective_rpo == 60


def _with_copies(template: Coverage, *copies: Copy) -> Coverage:
    return Coverage(template.service, DataItem("pvc", "pvc/x", ("spec",), "x"), copies)


def test_met_logic(analysed: Analyse) -> None:
    template = _coverage(analysed(service("web")), "pvc/web-data")  # RPO 24h
    local = Copy("longhorn-snapshot", "nas", False, HOUR, "0 * * * *")
    daily = Copy("k8up", "garage", True, DAY, "0 3 * * *")
    two_days = Copy("k8up", "garage", True, 2 * DAY, "0 3 */2 * *")
    assert not _with_copies(template).met
    assert not _with_copies(template, local).met  # local copies never count
    assert _with_copies(template, daily).met  # equal to the RPO
    assert not _with_copies(template, two_days).met
    assert _with_copies(template, two_days, daily).met  # the best separate copy counts
    assert _with_copies(template, two_days, daily, local).effective_rpo == DAY
    assert _with_copies(template, two_days, daily, local).local_rpo == HOUR


def test_file_level_copies_of_a_live_database_do_not_count(analysed: Analyse) -> None:
    analysis = analysed(service("web", extra=SQLITE, volumes=VOLUMES))
    on_pvc = _coverage(analysis, "sqlite:/data/app.db")
    consistent = {c.method: c.consistent for c in on_pvc.copies}
    assert consistent == {"longhorn-backup": False, "k8up": False, "litestream": True}
    assert all("not a consistent copy" in c.note for c in on_pvc.copies if not c.consistent)
    assert on_pvc.effective_rpo == 10  # Litestream's, not the daily file copies'
    assert on_pvc.separate_targets == {"garage"}  # nas only holds a file-level copy
    # the PVC itself is copied consistently (as files) by the same methods
    pvc = _coverage(analysis, "pvc/web-data")
    assert all(c.consistent for c in pvc.copies)


def test_without_litestream_a_database_on_a_backed_up_pvc_has_no_rpo(
    analysed: Analyse,
) -> None:
    cluster = CLUSTER.replace("  litestream:\n    targets: [garage]\n", "")
    extra = "  sqlite:\n    - {path: /data/app.db, volume: data}\n"
    analysis = analysed(service("web", extra=extra, volumes=VOLUMES), cluster=cluster)
    coverage = _coverage(analysis, "sqlite:/data/app.db")
    assert coverage.copies and not any(c.counts for c in coverage.copies)
    assert coverage.effective_rpo is None and not coverage.met


def test_three_two_one(analysed: Analyse) -> None:
    analysis = analysed(service("web", classification="critical"))
    coverage = _coverage(analysis, "pvc/web-data")
    # the live data, longhorn-backup to nas (offsite), k8up to garage; the snapshot is local
    assert coverage.three_two_one == "3 copies, 2 separate targets, 1 offsite"
    assert coverage.offsite_targets == {"nas"}
