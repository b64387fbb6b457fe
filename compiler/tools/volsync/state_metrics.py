"""The last-sync timestamp VolSync does not export, from kube-state-metrics.

VolSync v0.16.0 exports no time of the last sync (``internal/controller/metrics.go``: only
``volsync_missed_intervals_total``, ``volsync_volume_out_of_sync`` and
``volsync_sync_duration_seconds``), and its out-of-sync flag has its own threshold (the sync
after the next one is overdue, ``internal/controller/statemachine/machine.go``
``pastScheduleDeadline``), not the RPO. The time is in the object: ``status.lastSyncTime``.
kube-state-metrics' custom-resource state (v2.20.0, ``pkg/customresourcestate``) turns it
into a gauge: an RFC 3339 string becomes its Unix time (``registry_factory.go`` ``toFloat64``)
and ``nilIsZero`` makes a source that never synced 0, so a missing series means "not
configured", never "not synced yet". ``status.latestMoverStatus.result`` becomes a state
set (``Successful``/``Failed``; absent until the first mover job ends).

The config is generated as a ConfigMap in kube-state-metrics' namespace. The
kube-state-metrics chart (prometheus-community/helm-charts, chart 8.4.0 for 2.20.0) reads an
existing ConfigMap with ``customResourceState: {enabled: true, create: false, name, key}``
(``templates/deployment.yaml`` mounts it and passes ``--custom-resource-state-config-file``)
and needs ``rbac.extraRules`` to list and watch ReplicationSources (``templates/role.yaml``
adds the CRD rule itself). docs/volsync.md gives the values; kube-prometheus-stack scrapes
kube-state-metrics with ``honorLabels: true``, so the ``namespace`` label is the object's.
"""

from __future__ import annotations

from typing import Any

from compiler.core.emit import dump
from compiler.plan import OutputFile, PlanContext, SharedFolder
from compiler.plan.k8s import managed, metadata
from compiler.tools.volsync.names import GROUP
from compiler.tools.volsync.settings import METRICS_NAMESPACE

PREFIX = "backup_policy_volsync_source"
LAST_SYNC = f"{PREFIX}_last_sync_timestamp_seconds"
MOVER_RESULT = f"{PREFIX}_latest_mover_result"
CONFIG_MAP = "backup-policy-volsync-state-metrics"
CONFIG_KEY = "config.yaml"
NAME_LABEL = "replicationsource"
LABELS = ("customresource_group", "customresource_kind", "customresource_version")
"""Labels kube-state-metrics adds to every custom-resource metric (from groupVersionKind)."""


def folder(namespace: str) -> str:
    return f"kubernetes/apps/{namespace}/backup-policy"


def config() -> dict[str, Any]:
    """The CustomResourceStateMetrics of ReplicationSources."""
    return {
        "kind": "CustomResourceStateMetrics",
        "spec": {
            "resources": [
                {
                    "groupVersionKind": {
                        "group": GROUP,
                        "version": "v1alpha1",
                        "kind": "ReplicationSource",
                    },
                    "metricNamePrefix": PREFIX,
                    "labelsFromPath": {
                        "namespace": ["metadata", "namespace"],
                        NAME_LABEL: ["metadata", "name"],
                    },
                    "metrics": [_last_sync(), _mover_result()],
                }
            ]
        },
    }


def _last_sync() -> dict[str, Any]:
    return {
        "name": "last_sync_timestamp_seconds",
        "help": "Unix time of status.lastSyncTime (the last successful sync); 0 before it.",
        "each": {
            "type": "Gauge",
            "gauge": {"path": ["status", "lastSyncTime"], "nilIsZero": True},
        },
    }


def _mover_result() -> dict[str, Any]:
    return {
        "name": "latest_mover_result",
        "help": "Result of the latest mover job (status.latestMoverStatus.result).",
        "each": {
            "type": "StateSet",
            "stateSet": {
                "labelName": "result",
                "path": ["status", "latestMoverStatus"],
                "valueFrom": ["result"],
                "list": ["Successful", "Failed"],
            },
        },
    }


def shared_folder(context: PlanContext, sources: tuple[str, ...]) -> SharedFolder:
    """The ConfigMap kube-state-metrics reads its VolSync metrics from."""
    namespace = METRICS_NAMESPACE.of(context.analysis.policies.cluster.policy.spec.namespaces)
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(CONFIG_MAP, namespace, managed()),
        "data": {CONFIG_KEY: dump(config())},
    }
    path = f"{folder(namespace)}/volsync-state-metrics.yaml"
    return SharedFolder(folder(namespace), (OutputFile(path, sources, (config_map,)),))
