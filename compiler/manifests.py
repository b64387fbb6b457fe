"""Planned values as Kubernetes objects (plain data for the one YAML writer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from compiler.core.emit import dump
from compiler.litestream.objects import (
    CleanupJob,
    ConfigMap,
    Container,
    EnvVar,
    HelmReleasePatch,
    Mount,
    PodMonitor,
    PodPatch,
)
from compiler.plan.objects import (
    Component,
    K8upSchedule,
    PvcPatch,
    RecurringJob,
    ResourceList,
    SecretRef,
    VeleroSchedule,
)

Doc = dict[str, Any]
SERVICE_LABEL = "backup-policy.io/service"


def flux_escape(text: str, enabled: bool) -> str:
    """Write runtime ``${VAR}`` as ``$${VAR}`` so Flux post-build substitution keeps it."""
    return text.replace("${", "$${") if enabled else text


def metadata(name: str, namespace: str, labels: tuple[tuple[str, str], ...]) -> Doc:
    return {"name": name, "namespace": namespace, "labels": dict(labels)}


def secret_ref(ref: SecretRef) -> Doc:
    return {"name": ref.name, "key": ref.key}


def k8up_schedule(obj: K8upSchedule) -> list[Any]:
    tag = f"{obj.namespace}-{obj.service}"
    return [
        {
            "apiVersion": "k8up.io/v1",
            "kind": "Schedule",
            "metadata": metadata(obj.name, obj.namespace, obj.labels),
            "spec": {
                "backend": {
                    "repoPasswordSecretRef": secret_ref(obj.repo_password),
                    "s3": {
                        "endpoint": obj.endpoint,
                        "bucket": obj.bucket,
                        "accessKeyIDSecretRef": secret_ref(obj.access_key),
                        "secretAccessKeySecretRef": secret_ref(obj.secret_key),
                    },
                },
                "successfulJobsHistoryLimit": obj.successful_history,
                "failedJobsHistoryLimit": obj.failed_history,
                "backup": {
                    "schedule": obj.backup,
                    "labelSelectors": [{"matchLabels": {SERVICE_LABEL: obj.service}}],
                    "tags": [tag],
                },
                "check": {"schedule": obj.check},
                "prune": {
                    "schedule": obj.prune,
                    "retention": {**dict(obj.retention), "tags": [tag]},
                },
            },
        }
    ]


def pvc_labels(obj: PvcPatch) -> list[Any]:
    return [
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": obj.claim, "labels": dict(obj.labels)},
        }
    ]


def component(obj: Component) -> list[Any]:
    doc: Doc = {"apiVersion": "kustomize.config.k8s.io/v1alpha1", "kind": "Component"}
    if obj.resources:
        doc["resources"] = list(obj.resources)
    if obj.patches:
        patches = []
        for patch in obj.patches:
            target: Doc = {}
            if patch.group:
                target["group"] = patch.group
            if patch.version:
                target["version"] = patch.version
            target |= {"kind": patch.kind, "name": patch.name}
            patches.append({"path": patch.path, "target": target})
        doc["patches"] = patches
    return [doc]


def recurring_job(obj: RecurringJob) -> list[Any]:
    return [
        {
            "apiVersion": "longhorn.io/v1beta2",
            "kind": "RecurringJob",
            "metadata": metadata(obj.name, obj.namespace, obj.labels),
            "spec": {
                "name": obj.name,
                "task": obj.task,
                "cron": obj.cron,
                "retain": obj.retain,
                "concurrency": obj.concurrency,
                "groups": [obj.group],
            },
        }
    ]


def velero_schedule(obj: VeleroSchedule) -> list[Any]:
    return [
        {
            "apiVersion": "velero.io/v1",
            "kind": "Schedule",
            "metadata": metadata(obj.name, obj.namespace, obj.labels),
            "spec": {
                "schedule": obj.schedule,
                "useOwnerReferencesInBackup": False,
                "skipImmediately": obj.skip_immediately,
                "template": {
                    "includedNamespaces": list(obj.included_namespaces),
                    "storageLocation": obj.storage_location,
                    "ttl": obj.ttl,
                    "snapshotVolumes": obj.snapshot_volumes,
                },
            },
        }
    ]


def resources(obj: ResourceList) -> list[Any]:
    return [
        {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": list(obj.resources),
        }
    ]


def config_map(obj: ConfigMap) -> list[Any]:
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": metadata(obj.name, obj.namespace, obj.labels),
            "data": {obj.key: flux_escape(obj.text, obj.flux)},
        }
    ]


def pod_monitor(obj: PodMonitor) -> list[Any]:
    return [
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "PodMonitor",
            "metadata": metadata(obj.name, obj.namespace, obj.labels),
            "spec": {
                "selector": {"matchLabels": dict(obj.selector)},
                "podMetricsEndpoints": [{"port": obj.port_name, "path": "/metrics"}],
            },
        }
    ]


def env_var(var: EnvVar) -> Doc:
    if var.secret is not None:
        return {"name": var.name, "valueFrom": {"secretKeyRef": secret_ref(var.secret)}}
    return {"name": var.name, "value": var.value}


def _mount(mount: Mount) -> Doc:
    doc: Doc = {"name": mount.name, "mountPath": mount.path}
    if mount.sub_path:
        doc["subPath"] = mount.sub_path
    if mount.read_only:
        doc["readOnly"] = True
    return doc


def container(c: Container) -> Doc:
    doc: Doc = {"name": c.name, "image": c.image, "args": list(c.args)}
    if c.env:
        doc["env"] = [env_var(var) for var in c.env]
    if c.port:
        doc["ports"] = [{"name": c.port_name, "containerPort": c.port, "protocol": "TCP"}]
    resources: Doc = {}
    if c.requests:
        resources["requests"] = dict(c.requests)
    if c.limits:
        resources["limits"] = dict(c.limits)
    doc["resources"] = resources
    if c.mounts:
        doc["volumeMounts"] = [_mount(m) for m in c.mounts]
    return doc


def pod_patch_document(pod: PodPatch) -> Doc:
    return {
        "apiVersion": "apps/v1",
        "kind": pod.kind,
        "metadata": {"name": pod.name},
        "spec": {
            "template": {
                "metadata": {"labels": dict(pod.labels), "annotations": dict(pod.annotations)},
                "spec": {
                    "initContainers": [container(c) for c in pod.init_containers],
                    "containers": [container(c) for c in pod.containers],
                    "volumes": [{"name": pod.config_volume, "configMap": {"name": pod.config_map}}],
                },
            }
        },
    }


def pod_patch(obj: PodPatch, pod: PodPatch) -> list[Any]:
    return [pod_patch_document(pod)]


def helmrelease_patch(obj: HelmReleasePatch, pod: PodPatch) -> list[Any]:
    target = {"group": "apps", "version": "v1", "kind": obj.target_kind, "name": obj.target_name}
    renderer = {
        "kustomize": {"patches": [{"target": target, "patch": dump(pod_patch_document(pod))}]}
    }
    if obj.append:
        return [[{"op": "add", "path": "/spec/postRenderers/-", "value": renderer}]]
    return [
        {
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {"name": obj.release},
            "spec": {"postRenderers": [renderer]},
        }
    ]


def cleanup_cronjob(obj: CleanupJob) -> list[Any]:
    labels = dict(obj.labels)
    cleanup = {
        "name": "cleanup",
        "image": obj.image,
        "command": ["/bin/sh", "/scripts/cleanup.sh"],
        "env": [env_var(var) for var in obj.env],
        "resources": {"requests": dict(obj.requests), "limits": dict(obj.limits)},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [
            {"name": "script", "mountPath": "/scripts", "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }
    pod = {
        "restartPolicy": "Never",
        "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "runAsGroup": 65534},
        "containers": [cleanup],
        "volumes": [
            {"name": "script", "configMap": {"name": obj.script_config_map}},
            {"name": "tmp", "emptyDir": {}},
        ],
    }
    return [
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": metadata(obj.name, obj.namespace, obj.labels),
            "spec": {
                "schedule": obj.schedule,
                "timeZone": obj.time_zone,
                "concurrencyPolicy": "Forbid",
                "successfulJobsHistoryLimit": 1,
                "failedJobsHistoryLimit": 3,
                "jobTemplate": {
                    "spec": {
                        "backoffLimit": 0,
                        "activeDeadlineSeconds": 3600,
                        "template": {"metadata": {"labels": labels}, "spec": pod},
                    }
                },
            },
        }
    ]


BUILDERS: dict[str, Callable[..., list[Any]]] = {
    "k8up/schedule.yaml.j2": k8up_schedule,
    "app/pvc-labels.yaml.j2": pvc_labels,
    "app/component.yaml.j2": component,
    "longhorn/recurring-job.yaml.j2": recurring_job,
    "velero/schedule.yaml.j2": velero_schedule,
    "kustomize/resources.yaml.j2": resources,
    "litestream/configmap.yaml.j2": config_map,
    "litestream/podmonitor.yaml.j2": pod_monitor,
    "litestream/pod-patch.yaml.j2": pod_patch,
    "litestream/helmrelease-patch.yaml.j2": helmrelease_patch,
    "litestream/cleanup-cronjob.yaml.j2": cleanup_cronjob,
}
