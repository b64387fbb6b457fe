"""Rules about the generated Litestream configs and their injection into the app's pod."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.diagnostics import Diagnostic
from compiler.litestream import CONFIG_VOLUME, INJECTED_CONTAINERS, RESTORE
from compiler.litestream.config import problems
from compiler.litestream.resolve import resolve
from compiler.model.build import did_you_mean
from compiler.model.cluster import S3Target
from compiler.rules import RuleContext, rule


def _db_path(index: int | None) -> tuple[str | int, ...]:
    return ("spec", "sqlite", index) if index is not None else ("spec", "sqlite")


def _version_problems(context: RuleContext, wanted: str) -> Iterator[Diagnostic]:
    cluster = context.policies.cluster.policy.spec
    for service in context.services:
        spec = resolve(cluster, service)
        if spec is None:
            continue
        for problem in problems(spec):
            if problem.rule == wanted:
                yield service.source.doc.diagnostic(
                    _db_path(problem.db), problem.rule, problem.message, _HINTS[wanted]
                )


_HINTS = {
    "BP362": "give the database one target, or use Litestream 0.3 (spec.litestream.version)",
    "BP367": "remove the '$' (Litestream would expand it as an environment variable)",
}


@rule("BP362", "litestream-05-single-replica")
def single_replica_05(context: RuleContext) -> Iterator[Diagnostic]:
    """Litestream 0.5 replicates each database to exactly one replica.

    Passing: ``targets: [garage]`` with version 0.5.
    Failing: ``targets: [garage, minio-nas]`` with version 0.5 (0.5 refuses to start).
    """
    yield from _version_problems(context, "BP362")


@rule("BP367", "litestream-dollar")
def dollar_in_values(context: RuleContext) -> Iterator[Diagnostic]:
    """No ``$`` in values written into litestream.yml.

    Litestream expands ``$VAR``/``${VAR}`` in its whole config, an unset variable to nothing.
    Passing: ``path: /data/db.sqlite3``.  Failing: ``path: /data/$db.sqlite3``.
    """
    yield from _version_problems(context, "BP367")


@rule("BP363", "litestream-replica-path")
def duplicate_replica_path(context: RuleContext) -> Iterator[Diagnostic]:
    """Every database has its own replica path (``<namespace>/<app>/<file>``) per bucket.

    Two databases writing one path mix their generations and restore each other's data.
    Passing: ``/data/a.db`` and ``/data/b.db``.  Failing: ``/data/db.sqlite3`` and
    ``/config/db.sqlite3`` in one service (both ``<ns>/<app>/db.sqlite3``).
    """
    cluster = context.policies.cluster.policy.spec
    owners: dict[tuple[str, str, str], str] = {}
    for service in context.services:
        spec = resolve(cluster, service)
        for db in spec.databases if spec is not None else ():
            for replica in db.replicas:
                where = (replica.endpoint, replica.bucket, replica.path)
                first = owners.setdefault(where, f"{service.key} {db.path}")
                if first != f"{service.key} {db.path}":
                    yield service.source.doc.diagnostic(
                        _db_path(db.index),
                        "BP363",
                        f"replica path {replica.path!r} in bucket {replica.bucket!r} of "
                        f"target {replica.target!r} is already used by {first}",
                        "rename one database file (the replica path is its file name)",
                    )


@rule("BP364", "litestream-name-collision")
def name_collision(context: RuleContext) -> Iterator[Diagnostic]:
    """The app's container and volume names differ from the injected Litestream ones.

    Injected: containers ``litestream`` and ``litestream-restore[-N]``, volume
    ``litestream-config``. Passing: volume ``data``.  Failing: volume ``litestream-config``.
    """
    for source in context.policies.services:
        spec = source.policy.spec
        if not spec.sqlite:
            continue
        container = spec.workload.container
        if container in INJECTED_CONTAINERS or (container or "").startswith(RESTORE):
            yield source.doc.diagnostic(
                ("spec", "workload", "container"),
                "BP364",
                f"container name {container!r} is the name of an injected Litestream container",
                "rename the container",
            )
        for index, volume in enumerate(spec.volumes):
            if volume.name == CONFIG_VOLUME:
                yield source.doc.diagnostic(
                    ("spec", "volumes", index, "name"),
                    "BP364",
                    f"volume name {CONFIG_VOLUME!r} is the injected Litestream config volume",
                    "rename the volume",
                )


@rule("BP365", "inline-credentials")
def inline_credentials(context: RuleContext) -> Iterator[Diagnostic]:
    """S3 credentials never appear in a policy; they come from ``credentialsSecret``.

    Passing: ``credentialsSecret: {name: garage-s3}``.
    Failing: ``accessKeyId: GK31...`` on a target.
    """
    cluster = context.policies.cluster
    for name, target in cluster.policy.spec.targets.items():
        if not isinstance(target, S3Target):
            continue
        for key, value in (
            ("accessKeyId", target.access_key_id),
            ("secretAccessKey", target.secret_access_key),
        ):
            if value is not None:
                yield cluster.doc.diagnostic(
                    ("spec", "targets", name, key),
                    "BP365",
                    f"target {name!r} has an inline credential {key!r}",
                    "remove it; put the key pair in the Secret named by credentialsSecret",
                    key=True,
                )


@rule("BP366", "sqlite-target")
def sqlite_target(context: RuleContext) -> Iterator[Diagnostic]:
    """A database's own ``targets`` name S3 targets of the cluster policy.

    Passing: ``targets: [garage]`` with ``garage: {type: s3}``.
    Failing: ``targets: [nas]`` with ``nas: {type: longhorn-backup-target}`` or an unknown name.
    """
    targets = context.policies.cluster.policy.spec.targets
    for source in context.policies.services:
        for index, db in enumerate(source.policy.spec.sqlite):
            for position, name in enumerate(db.targets or []):
                target = targets.get(name)
                if isinstance(target, S3Target):
                    continue
                what = "is not defined" if target is None else f"is {target.type}, not s3"
                yield source.doc.diagnostic(
                    ("spec", "sqlite", index, "targets", position),
                    "BP366",
                    f"Litestream target {name!r} {what}",
                    did_you_mean(name, targets) or "use an s3 target of spec.targets",
                )
