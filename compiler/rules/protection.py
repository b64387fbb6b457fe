"""Rules proving that the schedules deliver the declared protection."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.analyse.schedule import minutes_of_week
from compiler.diagnostics import Diagnostic
from compiler.durations import humanize
from compiler.rules import RuleContext, rule


@rule("BP350", "rpo-not-met")
def rpo_not_met(context: RuleContext) -> Iterator[Diagnostic]:
    """Every data item has a copy on a separate target at least as often as the RPO.

    Passing: ``rpo: 24h`` and a daily K8up backup.
    Failing: ``rpo: 1h`` with only daily backups (or only local snapshots).
    """
    for item in context.coverage:
        if item.met:
            continue
        service = item.service
        methods = (
            ", ".join(
                f"{c.method} to {c.target} every {humanize(c.gap)} "
                f"({'separate target' if c.separate else 'local'})"
                for c in item.copies
            )
            or "no backup method"
        )
        path = ("spec", "rpo") if service.source.policy.spec.rpo else ("spec", "classification")
        effective = item.effective_rpo
        achieved = humanize(effective) if effective else "never (no copy on a separate target)"
        yield service.source.doc.diagnostic(
            path,
            "BP350",
            f"{item.item}: RPO {humanize(service.rpo)} not met; worst gap on a separate "
            f"target is {achieved} [{methods}]",
            "schedule a more frequent backup to a separate target or relax the RPO",
        )


@rule("BP340", "maintenance-overlaps-backup")
def maintenance_overlap(context: RuleContext) -> Iterator[Diagnostic]:
    """restic check/prune must not start inside a backup window of the same repository.

    Passing: backups at 02:xx with a 1h window, prune at 04:xx.
    Failing: backups pinned at ``0 3 * * *`` (1h window) and prune pinned at ``30 3 * * 6``.
    """
    cluster = context.policies.cluster
    book = context.schedules
    for service in context.services:
        k8up = service.defaults.k8up
        if "k8up" not in service.methods or k8up is None:
            continue
        windows = book.windows.get(f"s3:{k8up.target}", set())
        for job in ("check", "prune"):
            expr = book.cron_for(f"k8up/{service.key}/{job}")
            if minutes_of_week(expr) & windows:
                yield cluster.doc.diagnostic(
                    ("spec", "classes", service.source.policy.spec.classification, "k8up", job),
                    "BP340",
                    f"{service.key}: K8up {job} ({expr}) starts inside a backup "
                    f"window on target {k8up.target!r}; restic locks would wedge the jobs",
                    "widen the H range (e.g. H(8-20)) or move it out of the backup window",
                )


@rule("BP341", "backup-start-collision")
def backup_start_collision(context: RuleContext) -> Iterator[Diagnostic]:
    """Spread backups of one target never start in the same minute.

    When every minute an ``H`` range allows is taken on that target, the range is too
    narrow for the number of services.
    Passing: 20 services with ``H H(0-5) * * *``.  Failing: 61 services with ``H 2 * * *``.
    """
    cluster = context.policies.cluster
    for job in context.schedules.collisions:
        target = job.target.split(":", 1)[1]
        yield cluster.doc.diagnostic(
            job.origin,
            "BP341",
            f"{job.seed}: every start minute in {job.expression!r} is "
            f"taken by other backups on target {target!r}",
            "widen the H range so each backup of the target gets its own minute",
        )
