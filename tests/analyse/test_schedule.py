"""Deterministic schedule spreading: distinct start minutes per target, maintenance outside
backup windows, pinned expressions kept as written."""

from __future__ import annotations

import itertools
import random

import pytest

from compiler.analyse.schedule import (
    WEEK,
    Job,
    ScheduleBook,
    minutes_of_week,
    resolve_all,
    window_mask,
)
from compiler.core import cron
from tests.analyse.helpers import CLUSTER, Analyse, diagnostics, service

DAILY = "H H(0-5) * * *"


def _colliding_seeds(expression: str, count: int = 2) -> list[str]:
    """Seeds whose first pick is the same cron (found by search, stable across runs)."""
    by_pick: dict[str, list[str]] = {}
    for index in itertools.count():
        seed = f"k8up/apps/app-{index}/backup"
        picks = by_pick.setdefault(cron.resolve(expression, seed), [])
        picks.append(seed)
        if len(picks) == count:
            return picks
    raise AssertionError("unreachable")


def _backups(
    seeds: list[str], expression: str = DAILY, target: str = "s3:garage", window: int = 60
) -> list[Job]:
    return [Job(seed, target, "backup", expression, window) for seed in seeds]


def _assert_distinct_starts(book: ScheduleBook, seeds: list[str]) -> None:
    seen: set[int] = set()
    for seed in seeds:
        starts = minutes_of_week(book.cron_for(seed))
        assert not starts & seen, f"{seed} ({book.cron_for(seed)}) starts with another backup"
        seen |= starts


def test_colliding_hashes_still_get_distinct_minutes() -> None:
    first, second = _colliding_seeds(DAILY)
    assert cron.resolve(DAILY, first) == cron.resolve(DAILY, second)  # the hashes collide
    book = resolve_all(_backups([first, second]))
    assert book.cron_for(first) != book.cron_for(second)
    _assert_distinct_starts(book, [first, second])
    for seed in (first, second):  # the moved one stays inside its H ranges
        parsed = cron.parse(book.cron_for(seed))
        assert max(parsed.hours) <= 5 and not parsed.day_restricted


def test_many_services_on_one_target_never_share_a_start_minute() -> None:
    seeds = [f"k8up/ns-{i % 7}/app-{i}/backup" for i in range(300)]  # 300 of 360 slots
    book = resolve_all(_backups(seeds))
    _assert_distinct_starts(book, seeds)


def test_daily_and_weekly_backups_do_not_share_a_minute() -> None:
    weekly = _backups([f"w{i}" for i in range(40)], "H H(0-5) * * 0")
    daily = _backups([f"d{i}" for i in range(40)])
    book = resolve_all(weekly + daily)
    _assert_distinct_starts(book, [j.seed for j in weekly + daily])


def test_other_targets_do_not_interfere() -> None:
    first, second = _colliding_seeds(DAILY)
    book = resolve_all(
        [*_backups([first], target="s3:garage"), *_backups([second], target="s3:minio")]
    )
    assert book.cron_for(first) == book.cron_for(second) == cron.resolve(DAILY, first)


def test_pinned_expressions_are_kept_verbatim_even_when_they_collide() -> None:
    jobs = [
        Job("a", "s3:garage", "backup", "30 1 * * *", 60),
        Job("b", "s3:garage", "backup", "30 1 * * *", 60),
        Job("c", "s3:garage", "maintenance", "45 1 * * 6", 60),
        Job("d", "s3:garage", "backup", "0  2 * * 1-5", 60),
    ]
    book = resolve_all(jobs)
    assert book.resolved == {
        "a": "30 1 * * *",
        "b": "30 1 * * *",
        "c": "45 1 * * 6",
        "d": "0 2 * * 1-5",
    }


def test_hashed_backups_avoid_pinned_ones() -> None:
    seed = "k8up/apps/web/backup"
    pinned = cron.resolve(DAILY, seed)  # pin exactly where the hashed job would land
    book = resolve_all([Job("pinned", "s3:garage", "backup", pinned, 60), *_backups([seed])])
    assert book.cron_for("pinned") == pinned
    assert book.cron_for(seed) != pinned
    _assert_distinct_starts(book, ["pinned", seed])


def test_maintenance_never_starts_in_a_backup_window() -> None:
    backups = _backups([f"k8up/apps/app-{i}/backup" for i in range(4)])
    maintenance = [
        Job(f"k8up/apps/app-{i}/{task}", "s3:garage", "maintenance", f"H H(0-5) * * {day}", 60)
        for i in range(4)
        for task, day in (("check", 0), ("prune", 6))
    ]
    book = resolve_all(backups + maintenance)
    windows = book.windows["s3:garage"]
    busy: set[int] = set()
    for job in maintenance:
        starts = minutes_of_week(book.cron_for(job.seed))
        assert not starts & windows, f"{job.seed} starts inside a backup window"
        assert not starts & busy, f"{job.seed} starts while other maintenance runs"
        busy |= {(s + i) % WEEK for s in starts for i in range(60)}


def test_backup_windows_wrap_around_the_end_of_the_week() -> None:
    book = resolve_all([Job("late", "s3:garage", "backup", "30 23 * * 6", 60)])
    windows = book.windows["s3:garage"]
    saturday_2330 = 6 * 1440 + 23 * 60 + 30
    assert windows == {(saturday_2330 + i) % WEEK for i in range(60)}
    assert 0 in windows and 29 in windows and 30 not in windows


def test_light_jobs_are_not_spread() -> None:
    first, second = _colliding_seeds(DAILY)
    book = resolve_all(
        [Job(first, "s3:garage", "light", DAILY), Job(second, "s3:garage", "light", DAILY)]
    )
    assert book.cron_for(first) == book.cron_for(second)


def test_resolution_is_deterministic_and_independent_of_input_order() -> None:
    seeds = [f"k8up/ns/app-{i}/backup" for i in range(60)]
    jobs = _backups(seeds) + [
        Job(f"k8up/ns/app-{i}/prune", "s3:garage", "maintenance", "H H(0-5) * * 6", 60)
        for i in range(20)
    ]
    expected = resolve_all(jobs).resolved
    for seed in range(5):
        shuffled = jobs[:]
        random.Random(seed).shuffle(shuffled)
        assert resolve_all(shuffled).resolved == expected


def test_minutes_of_week() -> None:
    assert minutes_of_week("0 0 * * 0") == {0}
    assert minutes_of_week("30 1 * * 1,3") == {1440 + 90, 3 * 1440 + 90}
    assert len(minutes_of_week("0 3 * * *")) == 7
    # a day-of-month restriction cannot be placed in a week: every weekday counts
    assert minutes_of_week("0 3 1 * *") == minutes_of_week("0 3 * * *")


SPREAD_CLUSTER = CLUSTER.replace(
    'k8up: {target: garage, backup: "H H(0-5) * * 0"}',
    'k8up: {target: garage, backup: "H H(0-5) * * *", check: "H H(8-20) * * 0", '
    'prune: "H H(8-20) * * 6"}',
)


def test_spreading_through_the_pipeline(analysed: Analyse) -> None:
    """Many services of one class on one target, analysed twice: distinct and stable."""
    services = [
        service(f"app{i}", namespace=f"ns{i % 3}", classification="best-effort") for i in range(30)
    ]
    first = analysed(*services, cluster=SPREAD_CLUSTER)
    second = analysed(*reversed(services), cluster=SPREAD_CLUSTER)
    assert first.schedules.resolved == second.schedules.resolved
    seeds = [f"k8up/ns{i % 3}/app{i}/backup" for i in range(30)]
    _assert_distinct_starts(first.schedules, seeds)
    assert [d for d in diagnostics(first) if d.level == "error"] == []


def test_default_k8up_schedules_leave_room_for_maintenance(analysed: Analyse) -> None:
    """With the model's defaults (backup, check and prune all in H(0-5), 1h window) six
    services on one target already leave check/prune no free minute: BP340 fires for
    schedules the user never wrote."""
    cluster = CLUSTER.replace(
        'k8up: {target: garage, backup: "H H(0-5) * * 0"}', "k8up: {target: garage}"
    )
    analysis = analysed(
        *[service(f"app{i}", classification="best-effort") for i in range(10)], cluster=cluster
    )
    assert [d.render() for d in diagnostics(analysis) if d.rule == "BP340"] == []


def test_spreading_that_cannot_succeed_is_reported(analysed: Analyse) -> None:
    """61 hashed backups in "H 2 * * *" (60 free minutes) on one target: two must share a
    start minute. That breaks the guarantee, so it must not pass silently."""
    cluster = CLUSTER.replace(
        'k8up: {target: garage, backup: "H H(0-5) * * 0"}',
        'k8up: {target: garage, backup: "H 2 * * *", check: "H H(8-20) * * 0", '
        'prune: "H H(8-20) * * 6", window: 1m}',
    )
    analysis = analysed(
        *[service(f"app{i}", classification="best-effort") for i in range(61)], cluster=cluster
    )
    crons = [analysis.schedules.cron_for(f"k8up/apps/app{i}/backup") for i in range(61)]
    collided = len(set(crons)) < len(crons)
    assert not collided or any(d.level == "error" for d in diagnostics(analysis))


def test_pinned_schedules_through_the_pipeline(analysed: Analyse) -> None:
    cluster = CLUSTER.replace(
        'k8up: {target: garage, backup: "H H(0-5) * * 0"}',
        'k8up: {target: garage, backup: "0 3 * * 0", check: "0 12 * * 1", prune: "@weekly"}',
    )
    analysis = analysed(service("web", classification="best-effort"), cluster=cluster)
    resolved = analysis.schedules.resolved
    assert resolved["k8up/apps/web/backup"] == "0 3 * * 0"
    assert resolved["k8up/apps/web/check"] == "0 12 * * 1"
    assert resolved["k8up/apps/web/prune"] == "0 0 * * 0"  # the macro, expanded


def test_k8up_random_macros_get_distinct_concrete_minutes() -> None:
    """@daily-random is spread like H: the manifest gets a real time, never 0 0 for all."""
    seeds = [f"k8up/apps/app-{i}/backup" for i in range(20)]
    book = resolve_all(_backups(seeds, "@daily-random"))
    _assert_distinct_starts(book, seeds)
    for seed in seeds:
        assert not cron.is_hashed(book.cron_for(seed))
        assert cron.max_gap_seconds(book.cron_for(seed)) == 86400


def test_maintenance_windows_of_one_repository_never_overlap() -> None:
    """A check that starts before another one's start still holds the restic lock then:
    whole windows are kept apart, not only starts."""
    pinned = Job("k8up/apps/first/check", "s3:garage", "maintenance", "30 10 * * 0", 60)
    for i in range(20):
        hashed = Job(f"k8up/apps/app-{i}/check", "s3:garage", "maintenance", "H 9 * * 0", 60)
        book = resolve_all([pinned, hashed])
        first = {(s + m) % WEEK for s in minutes_of_week("30 10 * * 0") for m in range(60)}
        starts = minutes_of_week(book.cron_for(hashed.seed))
        second = {(s + m) % WEEK for s in starts for m in range(60)}
        assert not first & second, (hashed.seed, book.cron_for(hashed.seed))


@pytest.mark.parametrize(
    ("expression", "minutes"),
    [("59 23 * * 6", 90), ("*/7 * * * *", 60), ("0 3 * * *", 1), ("H/30 * * * *", 240)],
)
def test_a_window_mask_holds_every_minute_a_run_is_running(expression: str, minutes: int) -> None:
    """The bit mask the picks use equals the minutes, wrapping into Sunday."""
    concrete = cron.resolve(expression, "seed")
    expected = {(s + i) % WEEK for s in minutes_of_week(concrete) for i in range(minutes)}
    mask = window_mask(concrete, minutes)
    assert {m for m in range(WEEK) if mask >> m & 1} == expected
    assert mask >> WEEK == 0


def test_a_targets_starts_and_windows_are_every_minute_its_jobs_occupy() -> None:
    """The book's minute sets (read back from bit masks) against sets built minute by minute."""
    expressions = ["H * * * *", "H/15 * * * *", "H H(0-5) * * 1,3", "0 0 * * 0", "59 23 * * 6"]
    jobs = [
        Job(f"k8up/apps/app-{i}/backup", "s3:garage", "backup", expression, 1 + 37 * i)
        for i, expression in enumerate(expressions)
    ]
    book = resolve_all(jobs)
    starts = {s for job in jobs for s in minutes_of_week(book.cron_for(job.seed))}
    windows = {
        (start + i) % WEEK
        for job in jobs
        for start in minutes_of_week(book.cron_for(job.seed))
        for i in range(job.window_minutes)
    }
    assert book.starts["s3:garage"] == starts
    assert book.windows["s3:garage"] == windows
    assert 0 in starts and WEEK - 1 in starts  # the lowest and the highest bit
