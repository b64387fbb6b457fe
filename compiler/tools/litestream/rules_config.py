"""Rules about the generated Litestream configs and their injection into the app's pod."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.core.diagnostics import Diagnostic
from compiler.core.fluxvar import flux_variable
from compiler.core.text import did_you_mean
from compiler.model.cluster import S3Target
from compiler.rules import PolicyContext, policy_rule
from compiler.tools.litestream.names import INJECTED_CONTAINERS, INJECTED_VOLUMES, RESTORE
from compiler.tools.litestream.resolve import resolve


@policy_rule(
    "BP362",
    "litestream-05-single-replica",
    "error",
    passing="targets: [garage]  # with version 0.5",
    failing="targets: [garage, minio-nas]  # with version 0.5",
)
def single_replica_05(context: PolicyContext) -> Iterator[Diagnostic]:
    """Litestream 0.5 replicates each database to exactly one replica.

    0.5 refuses to start with more than one.
    """
    cluster = context.analysis.policies.cluster.policy.spec
    for service in context.analysis.services:
        spec = resolve(cluster, service)
        for db in spec.databases if spec is not None and spec.version == "0.5" else ():
            if len(db.replicas) > 1:
                yield single_replica_05.at(
                    service.source.doc,
                    ("spec", "sqlite", db.index),
                    f"Litestream 0.5 replicates a database to a single replica, {db.path} "
                    f"has {len(db.replicas)} targets",
                    "give the database one target, or use Litestream 0.3 (spec.litestream.version)",
                )


@policy_rule(
    "BP367",
    "litestream-dollar",
    "error",
    passing="path: /data/db.sqlite3",
    failing="path: /data/$db.sqlite3",
)
def dollar_in_values(context: PolicyContext) -> Iterator[Diagnostic]:
    """No ``$`` in values written into litestream.yml.

    Litestream expands ``$VAR``/``${VAR}`` in its whole config, an unset variable to
    nothing. A target value that is exactly one Flux variable (``${S3_ENDPOINT}``) is
    allowed with ``spec.flux.substitution: true``: Flux replaces it before Litestream reads
    the file (rule BP305). A database path is reported at the service, a target's bucket,
    endpoint or region once, at the target in the cluster policy.
    """
    cluster = context.analysis.policies.cluster
    used: set[str] = set()
    for service in context.analysis.services:
        spec = resolve(cluster.policy.spec, service)
        for db in spec.databases if spec is not None else ():
            used.update(r.target for r in db.replicas)
            if "$" in db.path:
                yield dollar_in_values.at(
                    service.source.doc, ("spec", "sqlite", db.index, "path"), _DOLLAR, _NO_DOLLAR
                )
    flux = cluster.policy.spec.flux.substitution
    for name in sorted(used):
        target = cluster.policy.spec.targets[name]
        assert isinstance(target, S3Target)  # resolve() keeps S3 targets only
        for key in ("bucket", "endpoint", "region"):
            value = getattr(target, key)
            if "$" in value and not (flux and flux_variable(value) is not None):
                path = ("spec", "targets", name, key)
                yield dollar_in_values.at(cluster.doc, path, _DOLLAR, _NO_DOLLAR)


_DOLLAR = (
    "a '$' in a value of litestream.yml: Litestream expands $VAR in its whole config file, "
    "unset variables to nothing"
)
_NO_DOLLAR = "remove the '$' (Litestream would expand it as an environment variable)"


@policy_rule(
    "BP363",
    "litestream-replica-path",
    "error",
    passing="sqlite: [{path: /data/a.db, ...}, {path: /data/b.db, ...}]",
    failing="sqlite: [{path: /data/db.sqlite3, ...}, {path: /config/db.sqlite3, ...}]",
)
def duplicate_replica_path(context: PolicyContext) -> Iterator[Diagnostic]:
    """Every database has its own replica path (``replicaPath``, else
    ``<namespace>/<app>/<file>``) per bucket.

    Two databases writing one path mix their generations and restore each other's data.
    """
    cluster = context.analysis.policies.cluster.policy.spec
    owners: dict[tuple[str, str, str], str] = {}
    for service in context.analysis.services:
        spec = resolve(cluster, service)
        for db in spec.databases if spec is not None else ():
            for replica in db.replicas:
                where = (replica.endpoint, replica.bucket, replica.path)
                first = owners.setdefault(where, f"{service.key} {db.path}")
                if first != f"{service.key} {db.path}":
                    yield duplicate_replica_path.at(
                        service.source.doc,
                        ("spec", "sqlite", db.index),
                        f"replica path {replica.path!r} in bucket {replica.bucket!r} of "
                        f"target {replica.target!r} is already used by {first}",
                        "give one of them its own sqlite[].replicaPath (the default path "
                        "ends in the database's file name)",
                    )


@policy_rule(
    "BP364",
    "litestream-name-collision",
    "error",
    passing="volumes: [{name: data, ...}]",
    failing="volumes: [{name: litestream-config, ...}]",
)
def name_collision(context: PolicyContext) -> Iterator[Diagnostic]:
    """The app's container and volume names differ from the injected Litestream ones.

    Injected: containers ``litestream`` and ``litestream-restore[-N]``, volumes
    ``litestream-config`` and ``litestream-tmp`` (the sidecar's ``/tmp``).
    """
    for source in context.analysis.policies.services:
        spec = source.policy.spec
        if not spec.sqlite:
            continue
        container = spec.workload.container
        if container in INJECTED_CONTAINERS or (container or "").startswith(RESTORE):
            yield name_collision.at(
                source.doc,
                ("spec", "workload", "container"),
                f"container name {container!r} is the name of an injected Litestream container",
                "rename the container",
            )
        for index, volume in enumerate(spec.volumes):
            if volume.name in INJECTED_VOLUMES:
                yield name_collision.at(
                    source.doc,
                    ("spec", "volumes", index, "name"),
                    f"volume name {volume.name!r} is the name of an injected Litestream volume",
                    "rename the volume",
                )


@policy_rule(
    "BP366",
    "sqlite-target",
    "error",
    passing="targets: [garage]  # garage: {type: s3}",
    failing="targets: [nas]  # nas: {type: longhorn-backup-target}, or an unknown name",
)
def sqlite_target(context: PolicyContext) -> Iterator[Diagnostic]:
    """A database's own ``targets`` name S3 targets of the cluster policy."""
    policies = context.analysis.policies
    targets = policies.cluster.policy.spec.targets
    for source in policies.services:
        for index, db in enumerate(source.policy.spec.sqlite):
            for position, name in enumerate(db.targets or []):
                target = targets.get(name)
                if isinstance(target, S3Target):
                    continue
                what = "is not defined" if target is None else f"is {target.type}, not s3"
                yield sqlite_target.at(
                    source.doc,
                    ("spec", "sqlite", index, "targets", position),
                    f"Litestream target {name!r} {what}",
                    did_you_mean(name, targets) or "use an s3 target of spec.targets",
                )


RULES = (single_replica_05, dollar_in_values, duplicate_replica_path, name_collision, sqlite_target)
