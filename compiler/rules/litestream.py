"""Rules about SQLite databases replicated by Litestream."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.diagnostics import Diagnostic
from compiler.durations import humanize
from compiler.litestream import service_version
from compiler.rules import RuleContext, rule


@rule("BP360", "litestream-settings")
def litestream_settings(context: RuleContext) -> Iterator[Diagnostic]:
    """SQLite databases need cluster-wide Litestream settings (targets, version).

    Passing: ``spec.litestream: {targets: [garage]}`` in the cluster policy.
    Failing: a service with ``sqlite:`` entries and no ``spec.litestream``.
    """
    if context.policies.cluster.policy.spec.litestream is not None:
        return
    for source in context.policies.services:
        if source.policy.spec.sqlite:
            yield source.doc.diagnostic(
                ("spec", "sqlite"),
                "BP360",
                "SQLite databases are declared but the cluster policy "
                "has no spec.litestream settings",
                "add spec.litestream: {targets: [<s3 target>]}",
                key=True,
            )


@rule("BP361", "litestream-retention")
def litestream_retention(context: RuleContext) -> Iterator[Diagnostic]:
    """Litestream ``retention`` must be at least ``snapshot-interval``.

    Otherwise the only snapshot is removed before the next one exists.
    Passing: ``snapshotInterval: 1h, retention: 168h``.
    Failing: ``snapshotInterval: 24h, retention: 12h``.
    """
    cluster = context.policies.cluster
    settings = cluster.policy.spec.litestream
    if settings is not None and settings.retention < settings.snapshot_interval:
        yield cluster.doc.diagnostic(
            ("spec", "litestream", "retention"),
            "BP361",
            f"retention {humanize(settings.retention)} is shorter than snapshotInterval "
            f"{humanize(settings.snapshot_interval)}",
            "set retention >= snapshotInterval (default 168h and 1h)",
        )


@rule("BP315", "sqlite-on-emptydir")
def sqlite_on_empty_dir(context: RuleContext) -> Iterator[Diagnostic]:
    """Warn when an SQLite database lives on an emptyDir.

    The init container restores it at every start; if the replica is unreadable,
    ``-if-replica-exists`` lets the app start on an empty database.
    Passing: the database on a PVC.  Failing: ``volumes: [{name: data, emptyDir: true}]``.
    """
    for source in context.policies.services:
        volumes = {v.name: v for v in source.policy.spec.volumes}
        for index, db in enumerate(source.policy.spec.sqlite):
            volume = volumes.get(db.volume)
            if volume is not None and volume.empty_dir:
                yield source.doc.diagnostic(
                    ("spec", "sqlite", index, "volume"),
                    "BP315",
                    f"{db.path} is on emptyDir {db.volume!r}: every restart restores it from "
                    "the replica, and an unreadable replica starts the app on an empty "
                    "database",
                    "put it on a PVC, and alert on Litestream errors",
                    level="warning",
                )


@rule("BP369", "helm-only-workload-fields")
def helm_only_fields(context: RuleContext) -> Iterator[Diagnostic]:
    """``workload.renders`` and ``existingPostRenderers`` only apply to a HelmRelease.

    Passing: ``{kind: HelmRelease, name: x, renders: {kind: StatefulSet}}``.
    Failing: ``{kind: Deployment, name: x, existingPostRenderers: true}``.
    """
    for source in context.policies.services:
        workload = source.policy.spec.workload
        if workload.kind == "HelmRelease":
            continue
        for key, used in (
            ("renders", workload.renders is not None),
            ("existingPostRenderers", workload.existing_post_renderers),
        ):
            if used:
                yield source.doc.diagnostic(
                    ("spec", "workload", key),
                    "BP369",
                    f"workload.{key} only applies to kind HelmRelease, not {workload.kind}",
                    f"remove {key}",
                    key=True,
                )


@rule("BP370", "litestream-05-ignored-setting")
def ignored_by_05(context: RuleContext) -> Iterator[Diagnostic]:
    """Warn when a setting has no effect for services on Litestream 0.5.

    0.5 parses but never uses ``validation-interval``; it is not emitted.
    Passing: no ``validationInterval`` with 0.5.  Failing: ``validationInterval: 1h`` and 0.5.
    """
    cluster = context.policies.cluster
    settings = cluster.policy.spec.litestream
    if settings is None or settings.validation_interval is None:
        return
    users = sorted(
        s.key
        for s in context.services
        if s.source.policy.spec.sqlite and service_version(cluster.policy.spec, s) == "0.5"
    )
    if users:
        yield cluster.doc.diagnostic(
            ("spec", "litestream", "validationInterval"),
            "BP370",
            f"validationInterval has no effect on Litestream 0.5 ({', '.join(users)})",
            "remove it, or keep it for the 0.3 services only",
            level="warning",
        )
