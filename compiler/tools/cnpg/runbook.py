"""Restoring a service's Postgres clusters from their barman-cloud archives: the
disaster-recovery steps.

CloudNativePG never restores in place: a new Cluster bootstraps from the archive
(:mod:`.recovery`), here ``<cluster>-restore`` beside the old one, with the old one's image and
volume size (on a new cluster, those of the Cluster in Git). The app is then switched to it:
CloudNativePG writes its connection Secret ``<new cluster>-app`` (and the services
``<new cluster>-rw``...). In Git the recovered Cluster replaces the old one and archives
under a server name of its own (the policy's ``serverName``), since barman-cloud refuses to
archive into a non-empty WAL folder.
"""

from __future__ import annotations

import shlex

from compiler.analyse import EffectiveService
from compiler.core.emit import dump
from compiler.model.cluster import ClusterSpec
from compiler.plan import RunbookStep
from compiler.plan.k8s import managed
from compiler.tools.cnpg.names import CLUSTER_LABEL, item_key
from compiler.tools.cnpg.recovery import recovered_cluster
from compiler.tools.cnpg.resolve import Postgres, clusters_of

CLUSTERS = "cluster.postgresql.cnpg.io"
IMAGE, SIZE = "@IMAGE@", "@SIZE@"


def _commands(pg: Postgres) -> list[str]:
    ns, old, new = pg.service.namespace, pg.cluster, f"{pg.cluster}-restore"
    spec = {"instances": 1, "imageName": IMAGE, "storage": {"size": SIZE}}
    cluster = recovered_cluster(pg, new, ns, managed(), spec)
    live = f"kubectl -n {ns} get {CLUSTERS} {old} -o jsonpath="
    check = pg.entry.restore_check
    store = f" (ObjectStore {pg.store_name} with the plugin)" if not pg.adopted else ""
    return [
        f"# the archive: {pg.where}{store}",
        f"# the old cluster's image and size (on a new cluster: those of {old} in Git)",
        f"IMAGE=\"$({live}'{{.status.image}}')\"",
        f"SIZE=\"$({live}'{{.spec.storage.size}}')\"",
        f"# a new Cluster {new} recovered from it, the newest state (for a point in time add",
        '# recoveryTarget: {targetTime: "2026-12-06 10:00:00+00"} under recovery)',
        f'sed -e "s|{IMAGE}|$IMAGE|" -e "s|{SIZE}|$SIZE|" <<\'EOF\' | kubectl apply -f -',
        *dump(cluster).splitlines(),
        "EOF",
        f"kubectl -n {ns} wait {CLUSTERS}/{new} --for=condition=Ready --timeout=6h",
        f"kubectl -n {ns} exec {new}-1 -c postgres -- psql -d {check.database} -tAc "
        f"{shlex.quote(check.query)}",
        f"# switch the app to it: its connection Secret is {new}-app, its primary {new}-rw;",
        f"# in Git, replace Cluster {old} by {new} (bootstrap and externalClusters as above),",
        "# point the app at it and name it in the policy's postgres: entry, then",
        "# `backup-policy compile`: it archives under its own server name",
        f"kubectl -n {ns} get pod -l {CLUSTER_LABEL}={new}",
    ]


def steps(cluster: ClusterSpec, service: EffectiveService) -> list[RunbookStep]:
    """One step per Postgres cluster of the service (none without cnpg)."""
    return [
        RunbookStep(
            f"Postgres {pg.cluster} from its archive on {pg.settings.target}",
            tuple(_commands(pg)),
            item_key(pg.cluster),
        )
        for pg in clusters_of(service, cluster)
    ]
