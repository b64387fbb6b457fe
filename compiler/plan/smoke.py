"""The smoke test of a restored copy (``templates/drill/smoke.sh``), shared by the drills.

A restored volume (a CSI clone, a K8up restore) or a Job's emptyDir (a Litestream restore) is
mounted at ``/restore`` of a container of the cluster policy's ``restore-check`` image, which
runs the script with the service's declared check (``volumes[].restoreCheck``): the copy is
not empty (``lost+found`` aside), every listed file exists, and every SQLite database on the
volume passes ``PRAGMA integrity_check`` (or ``quick_check``). It runs as root with only
``DAC_OVERRIDE``: the copy keeps the app's owners and modes, and SQLite must be able to open
a database in WAL mode.
"""

from __future__ import annotations

import posixpath
from typing import Any

from msgspec import Struct

from compiler.analyse import EffectiveService
from compiler.model.items import Volume
from compiler.plan.drills import SCRIPTS_CONFIG_MAP
from compiler.plan.k8s import env_value

Doc = dict[str, Any]
SMOKE_SCRIPT = "smoke.sh"
CHECK_ROOT = "/restore"
SCRIPTS_VOLUME = "scripts"
_PRAGMA = {"integrity": "integrity_check", "quick": "quick_check", "none": "integrity_check"}
SECURITY = {
    "runAsUser": 0,
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"], "add": ["DAC_OVERRIDE"]},
}
RESOURCES = {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"memory": "256Mi"}}


class SmokeCheck(Struct, frozen=True):
    """Files that must exist and SQLite databases to check, relative to the copy's root."""

    files: tuple[str, ...] = ()
    databases: tuple[str, ...] = ()
    pragma: str = "integrity_check"


def volume_check(service: EffectiveService, volume: Volume) -> SmokeCheck:
    """The check a service declares for one volume (its databases found by their paths)."""
    declared = volume.restore_check
    mount = volume.mount_path
    databases: tuple[str, ...] = ()
    if declared.sqlite != "none" and mount:
        databases = tuple(
            posixpath.relpath(db.path, mount)
            for db in service.source.policy.spec.sqlite
            if db.volume == volume.name and db.path.startswith(mount.rstrip("/") + "/")
        )
    return SmokeCheck(tuple(declared.files), databases, _PRAGMA[declared.sqlite])


def check_container(image: str, check: SmokeCheck, volume: str) -> Doc:
    """The ``check`` container: the script over ``volume`` mounted at ``/restore``."""
    return {
        "name": "check",
        "image": image,
        "command": ["/bin/sh", f"/scripts/{SMOKE_SCRIPT}"],
        "env": [
            env_value("CHECK_ROOT", CHECK_ROOT),
            env_value("MUST_EXIST", "\n".join(check.files)),
            env_value("SQLITE_DBS", "\n".join(check.databases)),
            env_value("SQLITE_CHECK", check.pragma),
        ],
        "resources": RESOURCES,
        "securityContext": SECURITY,
        "volumeMounts": [
            {"name": volume, "mountPath": CHECK_ROOT},
            {"name": SCRIPTS_VOLUME, "mountPath": "/scripts", "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }


def pod_volumes(data: Doc) -> list[Doc]:
    """The data volume, the drill scripts and a writable /tmp."""
    scripts = {"name": SCRIPTS_VOLUME, "configMap": {"name": SCRIPTS_CONFIG_MAP}}
    return [data, scripts, {"name": "tmp", "emptyDir": {}}]


def smoke_pod(
    name: str, namespace: str, labels: dict[str, str], image: str, claim: str, check: SmokeCheck
) -> Doc:
    """A Pod that runs the check once over the PVC ``claim``."""
    data = {"name": "data", "persistentVolumeClaim": {"claimName": claim}}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {
            "restartPolicy": "Never",
            "containers": [check_container(image, check, "data")],
            "volumes": pod_volumes(data),
        },
    }


def await_pod(namespace: str, pod: str) -> tuple[str, ...]:
    """Wait until the check has passed, then show what it checked."""
    return (
        f"kubectl -n {namespace} wait pod/{pod} --for=jsonpath='{{.status.phase}}'=Succeeded "
        "--timeout=15m",
        f"kubectl -n {namespace} logs pod/{pod}",
    )
