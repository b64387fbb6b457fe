"""Rules about K8up settings and schedules."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.analyse.schedule import minutes_of_week
from compiler.core.diagnostics import Diagnostic
from compiler.model.cluster import S3Target
from compiler.rules import PolicyContext, policy_rule
from compiler.tools.k8up.schedule import seed
from compiler.tools.k8up.settings import SETTINGS


@policy_rule(
    "BP330",
    "k8up-repository-password",
    "error",
    passing="garage: {type: s3, ..., repoPasswordSecret: {name: k8up-repo, key: password}}",
    failing="garage: {type: s3, ...}  # used by a class's k8up: block",
)
def repository_password(context: PolicyContext) -> Iterator[Diagnostic]:
    """A restic repository needs a password Secret; K8up cannot back up without one."""
    cluster = context.analysis.policies.cluster
    spec = cluster.policy.spec
    reported: set[str] = set()
    for defaults in spec.classes.values():
        settings = SETTINGS.of(defaults)
        target = spec.targets.get(settings.target) if settings is not None else None
        if not isinstance(target, S3Target) or target.repo_password_secret is not None:
            continue
        assert settings is not None
        if settings.target in reported:
            continue
        reported.add(settings.target)
        yield repository_password.at(
            cluster.doc,
            ("spec", "targets", settings.target),
            f"target {settings.target!r} is used by K8up but has no repoPasswordSecret",
            "add repoPasswordSecret: {name: <secret>, key: <key>}",
            key=True,
        )


@policy_rule(
    "BP340",
    "maintenance-overlaps-backup",
    "error",
    passing="backups at 02:xx with a 1h window, prune at 04:xx",
    failing='backup: "0 3 * * *" (window 1h) and prune: "30 3 * * 6"',
)
def maintenance_overlap(context: PolicyContext) -> Iterator[Diagnostic]:
    """restic check/prune must not start inside a backup window of the same repository.

    restic locks the repository: a prune that starts while a backup runs makes one of them
    fail or wait, and jobs wedge.
    """
    cluster = context.analysis.policies.cluster
    book = context.analysis.schedules
    for service in context.analysis.services:
        settings = SETTINGS.of(service.defaults)
        if "k8up" not in service.methods or settings is None:
            continue
        windows = book.windows.get(f"s3:{settings.target}", set())
        for job in ("check", "prune"):
            expr = book.cron_for(seed(service, job))
            if minutes_of_week(expr) & windows:
                yield maintenance_overlap.at(
                    cluster.doc,
                    ("spec", "classes", service.classification, "k8up", job),
                    f"{service.key}: K8up {job} ({expr}) starts inside a backup "
                    f"window on target {settings.target!r}; restic locks would wedge the jobs",
                    "widen the H range (e.g. H(8-20)) or move it out of the backup window",
                )


RULES = (repository_password, maintenance_overlap)
