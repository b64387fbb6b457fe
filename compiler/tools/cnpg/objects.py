"""The objects of one Postgres cluster: ObjectStore, ScheduledBackup and PodMonitor.

Built as data. The ObjectStore names the target's endpoint, a destination path of its own
and the credentials Secret by reference; ``configuration.serverName`` stays empty (the
plugin refuses it: the server name is the Cluster's plugin parameter). The ScheduledBackup
runs the class's schedule converted to robfig's six fields, owns the Backups it creates
(``backupOwnerReference: self``, so they go with it) and takes a first backup at once
(``immediate``): a WAL archive is of no use without a base backup.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compiler.plan import SERVICE_LABEL
from compiler.plan.k8s import env_value, managed, metadata, s3_key_refs
from compiler.tools.cnpg.names import (
    CLUSTER_LABEL,
    CNPG_API,
    METRICS_PORT,
    OBJECT_STORE_API,
    PLUGIN,
    POD_ROLE_LABEL,
    object_name,
)
from compiler.tools.cnpg.resolve import Postgres

Doc = dict[str, Any]


def _labels(pg: Postgres) -> dict[str, str]:
    return managed(**{SERVICE_LABEL: pg.service.name})


def store_configuration(pg: Postgres) -> Doc:
    """barman-cloud's object-store configuration (the ObjectStore's ``configuration``, or
    the in-tree ``barmanObjectStore`` without its serverName)."""
    access_key, secret_key = s3_key_refs(pg.target)
    return {
        "destinationPath": pg.destination_path,
        "endpointURL": pg.target.endpoint,
        "s3Credentials": {"accessKeyId": access_key, "secretAccessKey": secret_key},
    }


def object_store(pg: Postgres) -> Doc:
    region = env_value("AWS_DEFAULT_REGION", pg.target.region)
    return {
        "apiVersion": OBJECT_STORE_API,
        "kind": "ObjectStore",
        "metadata": metadata(object_name(pg.cluster), pg.service.namespace, _labels(pg)),
        "spec": {
            "configuration": store_configuration(pg),
            "retentionPolicy": pg.settings.retention,
            "instanceSidecarConfiguration": {"env": [region]},
        },
    }


def scheduled_backup(pg: Postgres, schedule: str) -> Doc:
    """``schedule`` is already in robfig's six-field form."""
    spec: Doc = {
        "schedule": schedule,
        "cluster": {"name": pg.cluster},
        "immediate": True,
        "backupOwnerReference": "self",
        "method": pg.settings.method,
    }
    if pg.settings.method == "plugin":
        spec["pluginConfiguration"] = {"name": PLUGIN}
    return {
        "apiVersion": CNPG_API,
        "kind": "ScheduledBackup",
        "metadata": metadata(object_name(pg.cluster), pg.service.namespace, _labels(pg)),
        "spec": spec,
    }


def _endpoint(pg: Postgres, cluster_body: Mapping[str, Any]) -> Doc:
    """The metrics endpoint, over TLS when the Cluster serves its metrics with TLS (the
    settings CloudNativePG's own PodMonitor uses, pkg/specs/podmonitor.go)."""
    monitoring = cluster_body.get("spec", {}).get("monitoring") or {}
    tls = monitoring.get("tls") if isinstance(monitoring, Mapping) else None
    if not (isinstance(tls, Mapping) and tls.get("enabled") is True):
        return {"port": METRICS_PORT}
    ca = {"secret": {"name": f"{pg.cluster}-ca", "key": "ca.crt"}}
    tls_config = {"ca": ca, "serverName": f"{pg.cluster}-rw", "insecureSkipVerify": True}
    return {"port": METRICS_PORT, "scheme": "https", "tlsConfig": tls_config}


def pod_monitor(pg: Postgres, cluster_body: Mapping[str, Any]) -> Doc:
    """Scrapes the instances' metrics (the plugin's and the default queries'): the alerts
    select this PodMonitor's job."""
    selector = {CLUSTER_LABEL: pg.cluster, POD_ROLE_LABEL: "instance"}
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": metadata(object_name(pg.cluster), pg.service.namespace, _labels(pg)),
        "spec": {
            "selector": {"matchLabels": selector},
            "podMetricsEndpoints": [_endpoint(pg, cluster_body)],
        },
    }
