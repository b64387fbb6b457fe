"""Policy rules about CloudNativePG clusters: object-store locations, the deprecated in-tree
method (and the ObjectStore it cannot adopt), and file-level copies of a cluster's volumes."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.analyse import Coverage
from compiler.core.diagnostics import Diagnostic
from compiler.rules import PolicyContext, policy_rule
from compiler.tools.cnpg.names import item_key
from compiler.tools.cnpg.resolve import Postgres, all_clusters, instance_claim
from compiler.tools.cnpg.settings import CLASS, POSTGRES


@policy_rule(
    "BP391",
    "cnpg-object-store-shared",
    "error",
    passing="postgres: [{cluster: db}]  # in apps/web and in apps/wiki (other namespaces)",
    failing="postgres: [{cluster: db}, {cluster: db2, serverName: db}]",
)
def object_store_shared(context: PolicyContext) -> Iterator[Diagnostic]:
    """Every Postgres cluster archives to an object-store location of its own.

    The location is the target's endpoint and bucket, ``cnpg/<namespace>`` and the server
    name. Two clusters archiving WAL into one location mix their timelines: barman-cloud
    refuses to start archiving into a non-empty WAL archive, and a restore would replay the
    other cluster's WAL.
    """
    first: dict[tuple[str, str, str], Postgres] = {}
    for pg in all_clusters(context.analysis.scope):
        other = first.setdefault(pg.location, pg)
        if other is pg:
            continue
        yield object_store_shared.at(
            pg.service.source.doc,
            (*pg.path, "cluster"),
            f"{item_key(pg.cluster)} of {pg.service.key} archives to {pg.where}, like "
            f"{item_key(other.cluster)} of {other.service.key}: their WAL would mix",
            "give one of them a serverName of its own",
            subjects=(item_key(pg.cluster), pg.cluster),
        )


@policy_rule(
    "BP392",
    "cnpg-in-tree-barman",
    "warning",
    passing="cnpg: {target: garage}  # method: plugin",
    failing="cnpg: {target: garage, method: barmanObjectStore}",
)
def in_tree_barman(context: PolicyContext) -> Iterator[Diagnostic]:
    """Warn when a class backs up Postgres through the in-tree ``barmanObjectStore``.

    CloudNativePG deprecates ``spec.backup.barmanObjectStore`` since 1.26 in favour of the
    barman-cloud plugin (an ObjectStore and ``spec.plugins``) and will remove it; the
    compiler still generates it. Moving a running cluster is a migration: keep the
    destination path and server name so the plugin continues the same archive.
    """
    cluster = context.analysis.policies.cluster
    for name, defaults in cluster.policy.spec.classes.items():
        settings = CLASS.of(defaults)
        if settings is not None and settings.method == "barmanObjectStore":
            yield in_tree_barman.at(
                cluster.doc,
                ("spec", "classes", name, "cnpg", "method"),
                f"class {name}: the in-tree barmanObjectStore is deprecated since "
                "CloudNativePG 1.26 and will be removed",
                "use method: plugin (the barman-cloud plugin)",
            )


def _cluster_volumes(coverage: Coverage) -> Iterator[tuple[int, str, str]]:
    """(volume index, claim, cluster) of each copied PVC that is a CNPG instance volume."""
    spec = coverage.service.source.policy.spec
    clusters = [entry.cluster for entry in POSTGRES.of(spec)]
    for index, volume in enumerate(spec.volumes):
        if volume.claim is None or coverage.item.claim != volume.claim:
            continue
        for cluster in clusters:
            if instance_claim(cluster).match(volume.claim):
                yield index, volume.claim, cluster


@policy_rule(
    "BP393",
    "cnpg-file-level-copy",
    "warning",
    passing="postgres: [{cluster: db}]  # and db-1 not under volumes:",
    failing="postgres: [{cluster: db}]\nvolumes: [{name: pgdata, claim: db-1}]  # k8up copies it",
)
def file_level_copy(context: PolicyContext) -> Iterator[Diagnostic]:
    """Warn when a method copies the files of a CloudNativePG instance volume.

    The operator creates a cluster's PVCs (``<cluster>-<n>``, ``-wal``, ``-tbs-``). A
    restic, VolSync or Longhorn copy of a data directory that Postgres is writing is not a
    consistent copy of the database and does not count for the Postgres item: barman-cloud's
    WAL archive and base backups protect it.
    """
    for coverage in context.analysis.coverage:
        if coverage.item.kind != "pvc" or not coverage.copies:
            continue
        methods = ", ".join(dict.fromkeys(c.method for c in coverage.copies))
        for index, claim, cluster in _cluster_volumes(coverage):
            yield file_level_copy.at(
                coverage.service.source.doc,
                ("spec", "volumes", index, "claim"),
                f"PVC {claim} is a data volume of the CloudNativePG cluster {cluster}: "
                f"{methods} copy its files while Postgres writes them, which is no consistent "
                f"copy and does not count for {item_key(cluster)}",
                "remove the volume: the operator creates it and the method cnpg protects the "
                "database",
                subjects=(f"pvc/{claim}", claim, item_key(cluster)),
            )


@policy_rule(
    "BP398",
    "cnpg-object-store-in-tree-method",
    "error",
    passing="cnpg: {target: garage}  # method plugin; postgres: [{cluster: db, objectStore: s}]",
    failing="cnpg: {target: garage, method: barmanObjectStore}\n"
    "postgres: [{cluster: db, objectStore: s}]",
)
def object_store_in_tree_method(context: PolicyContext) -> Iterator[Diagnostic]:
    """An entry adopts an ObjectStore only when its class uses the barman-cloud plugin.

    An ObjectStore is read by the plugin alone (``barmanObjectName``); the in-tree
    ``spec.backup.barmanObjectStore`` carries its own configuration, so with
    ``method: barmanObjectStore`` the named ObjectStore would be ignored and the cluster
    would archive where the compiler says, not where the policy claims.
    """
    for pg in all_clusters(context.analysis.scope):
        if pg.entry.object_store is not None and pg.settings.method != "plugin":
            yield object_store_in_tree_method.at(
                pg.service.source.doc,
                (*pg.path, "objectStore"),
                f"{item_key(pg.cluster)} of {pg.service.key} names the ObjectStore "
                f"{pg.entry.object_store!r}, but class {pg.service.classification} archives "
                "through the in-tree barmanObjectStore, which reads no ObjectStore",
                "use method: plugin in the class's cnpg block, or remove objectStore",
                subjects=(item_key(pg.cluster), pg.cluster),
            )


RULES = (object_store_shared, in_tree_barman, file_level_copy, object_store_in_tree_method)
