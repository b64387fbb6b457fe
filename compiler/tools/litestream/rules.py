"""Rules about SQLite databases replicated by Litestream: settings and databases."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.core.diagnostics import Diagnostic
from compiler.core.durations import humanize
from compiler.rules import PolicyContext, policy_rule
from compiler.tools.litestream.resolve import service_version
from compiler.tools.litestream.settings import CLUSTER


@policy_rule(
    "BP360",
    "litestream-settings",
    "error",
    passing="spec:\n  litestream: {targets: [garage]}  # in the cluster policy",
    failing="a service with sqlite: entries and no spec.litestream in the cluster policy",
)
def litestream_settings(context: PolicyContext) -> Iterator[Diagnostic]:
    """SQLite databases need cluster-wide Litestream settings (targets, version)."""
    policies = context.analysis.policies
    if CLUSTER.of(policies.cluster.policy.spec) is not None:
        return
    for source in policies.services:
        if source.policy.spec.sqlite:
            yield litestream_settings.at(
                source.doc,
                ("spec", "sqlite"),
                "SQLite databases are declared but the cluster policy "
                "has no spec.litestream settings",
                "add spec.litestream: {targets: [<s3 target>]}",
                key=True,
            )


@policy_rule(
    "BP361",
    "litestream-retention",
    "error",
    passing="snapshotInterval: 1h\nretention: 168h",
    failing="snapshotInterval: 24h\nretention: 12h",
)
def litestream_retention(context: PolicyContext) -> Iterator[Diagnostic]:
    """Litestream ``retention`` must be at least ``snapshot-interval``.

    Otherwise the only snapshot is removed before the next one exists.
    """
    cluster = context.analysis.policies.cluster
    settings = CLUSTER.of(cluster.policy.spec)
    if settings is not None and settings.retention < settings.snapshot_interval:
        yield litestream_retention.at(
            cluster.doc,
            ("spec", "litestream", "retention"),
            f"retention {humanize(settings.retention)} is shorter than snapshotInterval "
            f"{humanize(settings.snapshot_interval)}",
            "set retention >= snapshotInterval (default 168h and 1h)",
        )


@policy_rule(
    "BP315",
    "sqlite-on-emptydir",
    "warning",
    passing="volumes: [{name: data, claim: web-data, mountPath: /data}]",
    failing="volumes: [{name: data, emptyDir: true, mountPath: /data}]",
)
def sqlite_on_empty_dir(context: PolicyContext) -> Iterator[Diagnostic]:
    """Warn when an SQLite database lives on an emptyDir.

    The init container restores it at every start; if the replica is unreadable,
    ``-if-replica-exists`` lets the app start on an empty database.
    """
    for source in context.analysis.policies.services:
        volumes = {v.name: v for v in source.policy.spec.volumes}
        for index, db in enumerate(source.policy.spec.sqlite):
            volume = volumes.get(db.volume)
            if volume is not None and volume.empty_dir:
                yield sqlite_on_empty_dir.at(
                    source.doc,
                    ("spec", "sqlite", index, "volume"),
                    f"{db.path} is on emptyDir {db.volume!r}: every restart restores it from "
                    "the replica, and an unreadable replica starts the app on an empty "
                    "database",
                    "put it on a PVC, and alert on Litestream errors",
                    subjects=(f"sqlite:{db.path}", db.path, db.volume),
                )


@policy_rule(
    "BP370",
    "litestream-05-ignored-setting",
    "warning",
    passing="version: '0.5'  # and no validationInterval",
    failing="version: '0.5'\nvalidationInterval: 1h",
)
def ignored_by_05(context: PolicyContext) -> Iterator[Diagnostic]:
    """Warn when a setting has no effect for services on Litestream 0.5.

    0.5 parses but never uses ``validation-interval``; it is not emitted.
    """
    cluster = context.analysis.policies.cluster
    settings = CLUSTER.of(cluster.policy.spec)
    if settings is None or settings.validation_interval is None:
        return
    users = sorted(
        s.key
        for s in context.analysis.services
        if s.source.policy.spec.sqlite and service_version(cluster.policy.spec, s) == "0.5"
    )
    if users:
        yield ignored_by_05.at(
            cluster.doc,
            ("spec", "litestream", "validationInterval"),
            f"validationInterval has no effect on Litestream 0.5 ({', '.join(users)})",
            "remove it, or keep it for the 0.3 services only",
        )


RULES = (litestream_settings, litestream_retention, sqlite_on_empty_dir, ignored_by_05)
