"""Restoring a service's SQLite databases from their Litestream replicas: the runbook steps.

The generated init container restores a database that is missing when the pod starts
(``-if-db-not-exists -if-replica-exists``), so on a new cluster starting the app is the
restore; its log shows what it did. To check a replica, or to put a database back by hand,
``litestream restore -o`` in the sidecar writes the newest state to another file.
"""

from __future__ import annotations

import posixpath

from compiler.analyse import EffectiveService
from compiler.model.cluster import ClusterSpec
from compiler.plan import RunbookStep
from compiler.tools.litestream.names import CONFIG_PATH, LITESTREAM, POD_LABEL, RESTORE, SIDECAR
from compiler.tools.litestream.resolve import Database, resolve


def _commands(namespace: str, app: str, db: Database) -> tuple[str, ...]:
    copy = f"/tmp/{posixpath.basename(db.path)}"
    replicas = [f"s3://{r.bucket}/{r.path} on {r.target} ({r.endpoint})" for r in db.replicas]
    return (
        f"# replicas of {db.path}: {'; '.join(replicas)}",
        f"# on start, init container {RESTORE} restores {db.path} when the file is missing",
        f'POD="$(kubectl -n {namespace} get pod -l {POD_LABEL}={app} '
        "-o jsonpath='{.items[0].metadata.name}')\"",
        f'kubectl -n {namespace} logs "$POD" -c {RESTORE}',
        "# the replica's newest state as a copy, to check it or to put it back by hand",
        f'kubectl -n {namespace} exec "$POD" -c {SIDECAR} -- {LITESTREAM} restore '
        f"-config {CONFIG_PATH} -o {copy} {db.path}",
        f'kubectl -n {namespace} cp -c {SIDECAR} "$POD:{copy}" ./{posixpath.basename(db.path)}',
    )


def steps(cluster: ClusterSpec, service: EffectiveService) -> list[RunbookStep]:
    """One step per database of the service (none without Litestream)."""
    spec = resolve(cluster, service)
    if spec is None:
        return []
    return [
        RunbookStep(
            f"SQLite {db.path} from its replica",
            _commands(service.namespace, service.name, db),
            f"sqlite:{db.path}",
        )
        for db in spec.databases
    ]
