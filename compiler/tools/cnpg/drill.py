"""CloudNativePG's restore drill (test type ``cnpg``): each Postgres cluster in scope recovered
from its barman-cloud archive as a new one-instance Cluster of ``<namespace>-restore-test``,
then queried.

The Cluster bootstraps with ``bootstrap.recovery`` from the archive the live cluster writes
(:mod:`.recovery`: with the plugin, a copy of its ObjectStore in the test namespace, without
a retention policy, and the credentials Secret copied there; an ObjectStore the policy adopts
is copied from the live one with the Secrets it names), replaying every archived WAL
segment: the drill proves the base backups and the WAL archive together. It archives nothing
itself (no ``spec.plugins``), so the live archive is only read. It runs the live cluster's
image (``status.image``: a recovery needs the same PostgreSQL major version) on a volume of
its size, both read at run time. A point-in-time drill adds ``recoveryTarget`` to the
recovery (see the checklist). The smoke query is the policy's ``restoreCheck``: psql in the
primary's ``postgres`` container (the local socket, as ``postgres``) must return a row.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from typing import Any

from compiler.analyse import EffectiveService
from compiler.model.restore import RestoreTest
from compiler.plan.drills import (
    DrillContext,
    DrillFile,
    DrillPart,
    DrillStep,
    SecretCopy,
    not_restored,
    patched_apply,
    restore_namespace,
    secrets_in_order,
)
from compiler.tools.cnpg.names import CLUSTER_LABEL
from compiler.tools.cnpg.recovery import read_only_store, recovered_cluster
from compiler.tools.cnpg.resolve import Postgres, clusters_of

Doc = dict[str, Any]
TEST_TYPE = "cnpg"
NOT_RESTORED = "Not recovered (no CloudNativePG copy)"
RUN_TIME = "set-at-run-time"
CLUSTERS = "cluster.postgresql.cnpg.io"
STORES = "objectstores.barmancloud.cnpg.io"
# the Secret's data and type, nothing the live namespace's API server added
SECRET_COPY = "{apiVersion, kind, type, data, metadata: {name: .metadata.name}}"
PRIMARY = "cnpg.io/instanceRole=primary"


def _stem(pg: Postgres) -> str:
    return f"cnpg/{pg.service.namespace}-{pg.cluster}"


def _files(context: DrillContext, test: RestoreTest, pg: Postgres) -> list[DrillFile]:
    namespace, labels = restore_namespace(pg.service.namespace), context.labels(test)
    source = (pg.service.source.file,)
    spec = {"instances": 1, "imageName": RUN_TIME, "storage": {"size": "1Gi"}}
    cluster = recovered_cluster(pg, pg.cluster, namespace, labels, spec)
    files = [DrillFile(f"{_stem(pg)}-2-cluster.yaml", (cluster,), source)]
    store = read_only_store(pg, namespace, labels)
    if store is not None:
        files.insert(0, DrillFile(f"{_stem(pg)}-1-objectstore.yaml", (store,), source))
    return files


def _lookup(pg: Postgres) -> DrillStep:
    live = f"kubectl -n {pg.service.namespace} get {CLUSTERS} {pg.cluster} -o jsonpath="
    return DrillStep(
        f"Read the image and volume size of {pg.service.namespace}/{pg.cluster} (a recovery "
        "needs the same PostgreSQL major version)",
        (
            f"IMAGE=$({live}'{{.status.image}}')",
            f"SIZE=$({live}'{{.spec.storage.size}}')",
            'test -n "$IMAGE" && test -n "$SIZE" && echo "recovering with $IMAGE on $SIZE"',
        ),
    )


def _adopted_copy(pg: Postgres, labels: dict[str, str]) -> list[str]:
    """Copy the live ObjectStore an entry adopts (the drill has no tree to read it from)
    without its retention policy, and the Secrets it names, into the test namespace."""
    live, namespace = pg.service.namespace, restore_namespace(pg.service.namespace)
    get = f"kubectl -n {live} get {STORES} {pg.store_name}"
    program = (
        "{apiVersion, kind, metadata: {name: .metadata.name, labels: $labels}, "
        "spec: (.spec | del(.retentionPolicy))}"
    )
    secrets = f"{get} -o jsonpath='{{.spec.configuration.s3Credentials.*.name}}'"
    return [
        f"{get} -o json | jq --argjson labels {shlex.quote(json.dumps(labels))} "
        f"{shlex.quote(program)} | kubectl -n {namespace} apply -f -",
        f"for SECRET in $({secrets} | tr ' ' '\\n' | sort -u); do kubectl -n {live} get "
        f'secret "$SECRET" -o json | jq {shlex.quote(SECRET_COPY)} '
        f"| kubectl -n {namespace} apply -f -; done",
    ]


def _recover(context: DrillContext, test: RestoreTest, pg: Postgres) -> DrillStep:
    namespace = restore_namespace(pg.service.namespace)
    stem = _stem(pg)
    store = f"{stem}-1-objectstore.yaml"
    applies = [context.apply(store)] if pg.settings.method == "plugin" else []
    if pg.adopted:
        applies = _adopted_copy(pg, context.labels(test))
    patch = {"spec": {"imageName": "$IMAGE", "storage": {"size": "$SIZE"}}}
    return DrillStep(
        f"Recover {pg.cluster} from its archive (server name {pg.server_name}) into "
        f"{namespace}: the Cluster must become Ready. For a point in time, add "
        '"bootstrap":{"recovery":{"recoveryTarget":{"targetTime":"<RFC 3339>"}}} to the patch',
        (
            *applies,
            patched_apply(context.path(f"{stem}-2-cluster.yaml"), patch),
            f"kubectl -n {namespace} wait {CLUSTERS}/{pg.cluster} --for=condition=Ready "
            "--timeout=6h",
            f"kubectl -n {namespace} get {CLUSTERS}/{pg.cluster}",
        ),
    )


def _query(pg: Postgres) -> DrillStep:
    namespace = restore_namespace(pg.service.namespace)
    check = pg.entry.restore_check
    psql = f'kubectl -n {namespace} exec "$PRIMARY" -c postgres -- psql -v ON_ERROR_STOP=1 -tA'
    return DrillStep(
        f"Run the smoke query in database {check.database}: it must return a row; the last "
        "replayed transaction shows how recent the recovered copy is",
        (
            f"PRIMARY=$(kubectl -n {namespace} get pod -l {CLUSTER_LABEL}={pg.cluster},{PRIMARY} "
            "-o jsonpath='{.items[0].metadata.name}')",
            f"ROWS=$({psql} -d {check.database} -c {shlex.quote(check.query)})",
            'test -n "$ROWS" && echo "$ROWS"',
            f"{psql} -d postgres -c 'SELECT pg_last_xact_replay_timestamp()'",
        ),
    )


def drill_part(
    context: DrillContext, test: RestoreTest, services: Sequence[EffectiveService]
) -> DrillPart | None:
    """The part of a ``cnpg`` drill (None for any other test type)."""
    if test.type != TEST_TYPE:
        return None
    clusters = [pg for s in services for pg in clusters_of(s, context.cluster)]
    files: list[DrillFile] = []
    steps: list[DrillStep] = []
    for pg in clusters:
        files += _files(context, test, pg)
        steps += [_lookup(pg), _recover(context, test, pg), _query(pg)]
    steps += not_restored(services, (pg.service for pg in clusters), NOT_RESTORED)
    secrets = (
        SecretCopy(
            pg.target.credentials_secret.name,
            pg.service.namespace,
            restore_namespace(pg.service.namespace),
        )
        for pg in clusters
        if not pg.adopted  # its store's own Secrets are copied with it
    )
    return DrillPart(
        "CloudNativePG",
        tuple(steps),
        tuple(files),
        namespaces=tuple(sorted({restore_namespace(pg.service.namespace) for pg in clusters})),
        secrets=secrets_in_order(secrets),
    )
