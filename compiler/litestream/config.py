"""litestream.yml for Litestream 0.3.x and 0.5.x: each version's exact key set, nothing else.

0.3 (``cmd/litestream/main.go`` of v0.3.13): per replica ``retention``, ``snapshot-interval``,
``sync-interval``, ``validation-interval``; several replicas per database.

0.5 (``cmd/litestream/main.go`` of the v0.5 line; the v0.5.17 binary's YAML tags agree): a
single ``replica:`` per database; snapshots are configured once, top level
``snapshot: {interval, retention}``. Per-replica ``retention``/``snapshot-interval`` no longer
exist and are silently ignored, ``validation-interval`` is parsed but unused, ``name`` is
deprecated: none of them is emitted.

Credentials: with one key pair for all replicas nothing is written (litestream reads
``LITESTREAM_ACCESS_KEY_ID``/``LITESTREAM_SECRET_ACCESS_KEY``); with several, each replica names
its pair's environment variables (``${S3_<TARGET>_ACCESS_KEY_ID}``), expanded by litestream.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from compiler.core.emit import dump
from compiler.durations import format_duration, humanize
from compiler.litestream.resolve import Database, Replica, ServiceLitestream, credential_env

_S3 = frozenset(
    {
        "type",
        "bucket",
        "path",
        "endpoint",
        "region",
        "force-path-style",
        "access-key-id",
        "secret-access-key",
        "sync-interval",
    }
)

KEYS: dict[str, dict[str, frozenset[str]]] = {
    "0.3": {
        "top": frozenset({"addr", "dbs"}),
        "db": frozenset({"path", "replicas"}),
        "replica": _S3 | {"name", "retention", "snapshot-interval", "validation-interval"},
    },
    "0.5": {
        "top": frozenset({"addr", "snapshot", "dbs"}),
        "snapshot": frozenset({"interval", "retention"}),
        "db": frozenset({"path", "replica"}),
        "replica": _S3,
    },
}
"""Every key an emitter may write, per version and level (tests compare against binaries)."""


@dataclass(frozen=True)
class Problem:
    """Why a config cannot be emitted; ``db`` is the index in ``spec.sqlite`` (or None)."""

    rule: str
    db: int | None
    message: str


def _database_problems(spec: ServiceLitestream, db: Database) -> Iterator[Problem]:
    if spec.version == "0.5" and len(db.replicas) > 1:
        yield Problem(
            "BP362",
            db.index,
            f"Litestream 0.5 replicates a database to a single "
            f"replica, {db.path} has {len(db.replicas)} targets",
        )
    values = [db.path] + [v for r in db.replicas for v in (r.bucket, r.endpoint, r.region)]
    if any("$" in value for value in values):
        yield Problem(
            "BP367",
            db.index,
            "a '$' in the database path or its target's bucket, "
            "endpoint or region: Litestream expands $VAR in its whole config file, "
            "unset variables to nothing",
        )


def problems(spec: ServiceLitestream) -> list[Problem]:
    """What makes the config wrong for its version (rules report these with positions)."""
    found: list[Problem] = []
    timing = spec.timing
    if timing.retention < timing.snapshot_interval:
        found.append(
            Problem(
                "BP361",
                None,
                f"retention {humanize(timing.retention)} is "
                f"shorter than snapshot-interval "
                f"{humanize(timing.snapshot_interval)}",
            )
        )
    seen: set[tuple[str, str, str]] = set()
    for db in spec.databases:
        found.extend(_database_problems(spec, db))
        for replica in db.replicas:
            where = (replica.endpoint, replica.bucket, replica.path)
            if where in seen:
                found.append(
                    Problem(
                        "BP363",
                        db.index,
                        f"replica path {replica.path!r} is used twice in bucket {replica.bucket!r}",
                    )
                )
            seen.add(where)
    return found


def _credentials(spec: ServiceLitestream, replica: Replica) -> dict[str, Any]:
    if spec.shared_credentials:
        return {}
    key_id, secret = credential_env(replica.target)
    return {"access-key-id": f"${{{key_id}}}", "secret-access-key": f"${{{secret}}}"}


def _s3(spec: ServiceLitestream, replica: Replica) -> dict[str, Any]:
    return {
        "type": "s3",
        "bucket": replica.bucket,
        "path": replica.path,
        "endpoint": replica.endpoint,
        "region": replica.region,
        "force-path-style": True,
        **_credentials(spec, replica),
    }


def _replica_v03(spec: ServiceLitestream, replica: Replica) -> dict[str, Any]:
    timing = spec.timing
    out: dict[str, Any] = {
        "name": replica.target,
        **_s3(spec, replica),
        "retention": format_duration(timing.retention),
        "snapshot-interval": format_duration(timing.snapshot_interval),
        "sync-interval": format_duration(timing.sync_interval),
    }
    if timing.validation_interval is not None:
        out["validation-interval"] = format_duration(timing.validation_interval)
    return out


def emit_v03(spec: ServiceLitestream) -> dict[str, Any]:
    dbs = [
        {"path": db.path, "replicas": [_replica_v03(spec, r) for r in db.replicas]}
        for db in spec.databases
    ]
    return {"addr": f":{spec.metrics_port}", "dbs": dbs}


def emit_v05(spec: ServiceLitestream) -> dict[str, Any]:
    timing = spec.timing
    dbs = [
        {
            "path": db.path,
            "replica": {
                **_s3(spec, db.replicas[0]),
                "sync-interval": format_duration(timing.sync_interval),
            },
        }
        for db in spec.databases
    ]
    return {
        "addr": f":{spec.metrics_port}",
        "snapshot": {
            "interval": format_duration(timing.snapshot_interval),
            "retention": format_duration(timing.retention),
        },
        "dbs": dbs,
    }


def emit(spec: ServiceLitestream) -> dict[str, Any]:
    """The config as data; refuses (ValueError) what the rules should have reported."""
    wrong = problems(spec)
    empty = [db.path for db in spec.databases if not db.replicas]
    if wrong or empty:
        raise ValueError(
            "; ".join([p.message for p in wrong] + [f"{path} has no S3 replica" for path in empty])
        )
    return emit_v03(spec) if spec.version == "0.3" else emit_v05(spec)


def render_config(spec: ServiceLitestream) -> str:
    """litestream.yml text: a comment naming the format, then the config."""
    return (
        f"# Litestream {spec.version} configuration for {spec.key}, generated by "
        "backup-policy.\n" + dump(emit(spec))
    )
