"""A Cluster recovered from a cluster's barman-cloud archive: shared by the drill and the
runbook.

``bootstrap.recovery.source`` names an entry of ``externalClusters``; with the plugin that
entry is ``plugin: {name: barman-cloud.cloudnative-pg.io, parameters: {barmanObjectName,
serverName}}`` (plugin-barman-cloud@v0.14.0 ``web/docs/usage.md``, "Restoring a Cluster":
the ObjectStore is read from the recovered Cluster's namespace, and such a Cluster archives
nothing until its own ``spec.plugins`` says so); with the deprecated in-tree method the
entry's ``barmanObjectStore`` holds the store and the ``serverName``. ``recovery.database``
names the application database of the backup (CloudNativePG writes ``<cluster>-app`` for it
and its owner, by default the role of the same name: the CRD of v1.30.0). Without a
``recoveryTarget`` every archived WAL segment is replayed.
"""

from __future__ import annotations

from typing import Any

from compiler.tools.cnpg.names import CNPG_API, PLUGIN
from compiler.tools.cnpg.objects import object_store, store_configuration
from compiler.tools.cnpg.resolve import Postgres

Doc = dict[str, Any]
ORIGIN = "origin"


def origin(pg: Postgres) -> Doc:
    """The ``externalClusters`` entry that reads the cluster's archive."""
    if pg.settings.method == "plugin":
        parameters = {"barmanObjectName": pg.store_name, "serverName": pg.server_name}
        return {"name": ORIGIN, "plugin": {"name": PLUGIN, "parameters": parameters}}
    store = {**store_configuration(pg), "serverName": pg.server_name}
    return {"name": ORIGIN, "barmanObjectStore": store}


def recovered_cluster(
    pg: Postgres, name: str, namespace: str, labels: dict[str, str], spec: Doc
) -> Doc:
    """A Cluster ``name`` bootstrapped from the archive; ``spec`` adds instances, image and
    storage."""
    database = pg.entry.restore_check.database
    return {
        "apiVersion": CNPG_API,
        "kind": "Cluster",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {
            **spec,
            "bootstrap": {"recovery": {"source": ORIGIN, "database": database}},
            "externalClusters": [origin(pg)],
        },
    }


def read_only_store(pg: Postgres, namespace: str, labels: dict[str, str]) -> Doc | None:
    """The cluster's ObjectStore in another namespace, to recover from: no retention policy,
    so nothing there ever deletes a backup (None with the in-tree method: no ObjectStore, and
    for an adopted ObjectStore, which the drill copies from the live one at run time)."""
    if pg.settings.method != "plugin" or pg.adopted:
        return None
    store = object_store(pg)
    store["metadata"] = {**store["metadata"], "namespace": namespace, "labels": labels}
    store["spec"] = {k: v for k, v in store["spec"].items() if k != "retentionPolicy"}
    return store
