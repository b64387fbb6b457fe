"""Rules about K8up settings and schedules."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence

from compiler.analyse import EffectiveService
from compiler.analyse.schedule import WEEK, minutes_of_week
from compiler.core import cron
from compiler.core.diagnostics import Diagnostic
from compiler.model.cluster import S3Target
from compiler.model.targets import SecretKeys
from compiler.rules import PolicyContext, policy_rule
from compiler.tools.k8up.schedule import Group, groups, secrets, seed
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
    for group in groups(context.analysis.services):
        settings = group.settings
        windows = book.windows.get(f"s3:{settings.target}", set())
        for job in ("check", "prune"):
            expr = book.cron_for(seed(group.first, job))
            if minutes_of_week(expr) & windows:
                yield maintenance_overlap.at(
                    cluster.doc,
                    (*group.origin, job),
                    f"{group.subject}: K8up {job} ({expr}) starts inside a backup "
                    f"window on target {settings.target!r}; restic locks would wedge the jobs",
                    "widen the H range (e.g. H(8-20)) or move it out of the backup window",
                )


Maintenance = tuple[Group, str, str, frozenset[int]]


def _repository(target: S3Target) -> tuple[str, ...]:
    """What makes one restic repository: the bucket at its endpoint, opened by one password."""
    password = target.repo_password_secret
    keys = (password.name, password.key) if password is not None else ("", "")
    return (target.endpoint.rstrip("/").lower(), target.bucket, *keys)


def _maintenance(context: PolicyContext) -> dict[tuple[str, ...], list[Maintenance]]:
    """Per repository, every Schedule's check and prune with the minutes their lock holds."""
    targets = context.analysis.policies.cluster.policy.spec.targets
    book = context.analysis.schedules
    found: dict[tuple[str, ...], list[Maintenance]] = {}
    for group in groups(context.analysis.services):
        target = targets.get(group.settings.target)
        if not isinstance(target, S3Target):
            continue  # BP300/BP301
        lock = max(group.settings.window // 60, 1)
        for job in ("check", "prune"):
            expr = book.cron_for(seed(group.first, job))
            held = frozenset((m + i) % WEEK for m in minutes_of_week(expr) for i in range(lock))
            found.setdefault(_repository(target), []).append((group, job, expr, held))
    return found


def _pinned(group: Group, job: str) -> bool:
    return not cron.is_hashed(getattr(group.settings, job))


def pinned_pairs(pinned: Sequence[bool]) -> Iterator[tuple[int, int]]:
    """The pairs of ``combinations(range(len(pinned)), 2)``, in its order, of which at
    least one is pinned. A pair of H picks is the spreader's to keep apart, and a
    repository of hundreds of Schedules has tens of thousands of those."""
    indexes = [index for index, flag in enumerate(pinned) if flag]
    for i, flag in enumerate(pinned):
        later = range(i + 1, len(pinned)) if flag else indexes[bisect_right(indexes, i) :]
        yield from ((i, j) for j in later)


@policy_rule(
    "BP342",
    "k8up-maintenance-collision",
    "error",
    passing="two services of a class with prune: H H(8-20) * * 6 (spread apart)",
    failing='two services of a class on one target with prune: "0 10 * * 6" (pinned)',
)
def maintenance_collision(context: PolicyContext) -> Iterator[Diagnostic]:
    """Two K8up Schedules of one restic repository never run check or prune at once.

    K8up runs check and prune as jobs that lock the repository (same endpoint, bucket and
    repository password): started within one window (``k8up.window``) of each other, one
    of them fails or waits and jobs wedge. ``H`` schedules are spread apart; a pinned one
    (no ``H``) is kept as written, so two Schedules with the same pinned time (one per
    service of a class) collide. Spread it with ``H``, or back the namespace up with one
    Schedule (``k8up.scope: namespace``).
    """
    cluster = context.analysis.policies.cluster
    reported: set[tuple[str | int, ...]] = set()
    for jobs in _maintenance(context).values():
        pinned = [_pinned(group, job) for group, job, _, _ in jobs]
        for i, j in pinned_pairs(pinned):
            a, b, pinned_a, pinned_b = jobs[i], jobs[j], pinned[i], pinned[j]
            if a[0] is b[0] or a[3].isdisjoint(b[3]):
                continue
            first, other = (b, a) if pinned_b and not pinned_a else (a, b)
            origin = (*first[0].origin, first[1])
            if origin in reported:
                continue
            reported.add(origin)
            yield maintenance_collision.at(
                cluster.doc,
                origin,
                f"{first[0].subject}: K8up {first[1]} ({first[2]}) runs together with "
                f"{other[1]} of {other[0].subject} ({other[2]}) on one restic repository; "
                "its lock makes one of them fail or wait",
                "spread it with H (e.g. H H(8-20) * * 6), or use k8up.scope: namespace",
            )


def _others(
    found: dict[SecretKeys, list[EffectiveService]], own: SecretKeys, target: S3Target
) -> str:
    """The other Secrets of one Schedule and who uses them, for a message."""
    parts = []
    for secret, users in sorted(found.items(), key=lambda item: item[0].name):
        if secret != own:
            whose = " (the target's)" if secret == target.credentials_secret else ""
            verb = "uses" if len(users) == 1 else "use"
            parts.append(f"{', '.join(s.key for s in users)} {verb} {secret.name!r}{whose}")
    return "; ".join(parts)


@policy_rule(
    "BP343",
    "k8up-scope-credentials",
    "error",
    passing="k8up: {scope: namespace}; every service of the namespace: "
    "credentials: {garage: {name: apps-s3}} (or none of them)",
    failing="k8up: {scope: namespace}; web: credentials: {garage: {name: web-s3}}, "
    "api: no credentials (the target's garage-s3)",
)
def scope_credentials(context: PolicyContext) -> Iterator[Diagnostic]:
    """The services of one namespace K8up Schedule reach its target with one Secret.

    With ``k8up.scope: namespace`` one Schedule backs up all of a class's services of the
    namespace, and a Schedule has one S3 backend: one access key pair. When the services
    name different credentials Secrets for its target (``spec.credentials``), or some name
    one and others use the target's, no single Secret is right for all of them; K8up
    would back them all up with one and ignore the others. Each service that names its
    own Secret is reported at its ``credentials`` field.
    """
    cluster = context.analysis.policies.cluster.policy.spec
    for group in groups(context.analysis.services):
        found = secrets(group, cluster) if group.shared else {}
        if len(found) < 2:
            continue
        name = group.settings.target
        target = cluster.targets[name]
        assert isinstance(target, S3Target)  # secrets() found some: an s3 target
        for service in group.services:
            secret = service.source.policy.spec.credentials.get(name)
            if secret is None:
                continue  # uses the target's Secret: reported at those that name their own
            yield scope_credentials.at(
                service.source.doc,
                ("spec", "credentials"),
                f"{service.key} names Secret {secret.name!r} for target {name!r}, but the "
                f"namespace K8up Schedule {group.subject} has one backend for all its "
                f"services: {_others(found, secret, target)}",
                f"name the same Secret for {name!r} in every service of the Schedule, "
                "or use k8up.scope: service",
                key=True,
            )


RULES = (repository_password, maintenance_overlap, maintenance_collision, scope_credentials)
