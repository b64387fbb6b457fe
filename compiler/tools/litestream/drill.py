"""Litestream's restore drill (test type ``litestream``): a Job in
``<namespace>-restore-test`` restores every database of each service in scope from each of
its replicas into an emptyDir, and the smoke test checks the copies.

The Job's init container runs ``templates/drill/litestream-restore.sh`` in the version's
Litestream image with the service's own config and credentials (the Secrets copied into the
test namespace): ``litestream restore -o <copy> [-replica <target>] <db>`` without
``-if-replica-exists``, so a missing or unreadable replica fails the Job instead of
producing nothing. Then the ``check`` container runs ``PRAGMA integrity_check`` on every copy.
Nothing is written where the app runs.
"""

from __future__ import annotations

import posixpath
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
    dns_name,
    restore_namespace,
)
from compiler.plan.k8s import env_value
from compiler.plan.smoke import (
    RESOURCES,
    SCRIPTS_VOLUME,
    SECURITY,
    SMOKE_SCRIPT,
    SmokeCheck,
    check_container,
    pod_volumes,
)
from compiler.tools.litestream.config import render_config
from compiler.tools.litestream.inject import credential_vars
from compiler.tools.litestream.names import CONFIG_KEY, CONFIG_PATH
from compiler.tools.litestream.resolve import ServiceLitestream, resolve
from compiler.tools.litestream.runtime import runtime

Doc = dict[str, Any]
TEST_TYPE = "litestream"
SCRIPT = "litestream-restore.sh"
COPIES = "/restore"


def restores(spec: ServiceLitestream) -> list[tuple[str, str, str]]:
    """(database, copy relative to the emptyDir, replica name or '') of every restore: 0.3
    names each replica, 0.5 has exactly one per database."""
    found = []
    for db in spec.databases:
        for replica in db.replicas:
            copy = f"{replica.target}/{posixpath.basename(db.path)}"
            found.append((db.path, copy, replica.target if spec.version == "0.3" else ""))
    return found


def _check(service: EffectiveService, copies: list[str]) -> SmokeCheck:
    """The copies, checked the way the databases' volumes ask (none: no database check)."""
    volumes = {v.name: v.restore_check.sqlite for v in service.source.policy.spec.volumes}
    modes = {volumes.get(db.volume, "integrity") for db in service.source.policy.spec.sqlite}
    if modes == {"none"}:
        return SmokeCheck()
    return SmokeCheck((), tuple(copies), "quick_check" if modes == {"quick"} else "integrity_check")


def _restore_container(spec: ServiceLitestream, image: str, lines: str) -> Doc:
    return {
        "name": "restore",
        "image": image,
        "command": ["/bin/sh", f"/scripts/{SCRIPT}"],
        "env": [
            env_value("LITESTREAM_CONFIG", CONFIG_PATH),
            env_value("RESTORE_ROOT", COPIES),
            env_value("RESTORES", lines),
            *credential_vars(spec),
        ],
        "resources": RESOURCES,
        "securityContext": SECURITY,
        "volumeMounts": [
            {"name": "restore", "mountPath": COPIES},
            {"name": SCRIPTS_VOLUME, "mountPath": "/scripts", "readOnly": True},
            {"name": "config", "mountPath": CONFIG_PATH, "subPath": CONFIG_KEY, "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }


def _job(
    context: DrillContext, test: RestoreTest, service: EffectiveService, spec: ServiceLitestream
) -> tuple[Doc, Doc]:
    """The config ConfigMap and the Job of one service's drill."""
    name = dns_name("bp-drill-litestream", service.name)
    namespace = restore_namespace(service.namespace)
    labels = context.labels(test)
    found = restores(spec)
    lines = "\n".join(" ".join(part for part in line if part) for line in found)
    image = runtime(context.cluster, service, spec).image
    check = _check(service, [copy for _, copy, _ in found])
    volumes = pod_volumes({"name": "restore", "emptyDir": {}})
    volumes.append({"name": "config", "configMap": {"name": name}})
    pod = {
        "restartPolicy": "Never",
        "initContainers": [_restore_container(spec, image, lines)],
        "containers": [check_container(context.images.restore_check.reference, check, "restore")],
        "volumes": volumes,
    }
    meta = {"name": name, "namespace": namespace, "labels": labels}
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}
    config["data"] = {CONFIG_KEY: render_config(spec)}
    template = {"metadata": {"labels": labels}, "spec": pod}
    job = {"backoffLimit": 0, "activeDeadlineSeconds": 3600, "template": template}
    return config, {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": job}


def _step(context: DrillContext, service: EffectiveService, file: str) -> DrillStep:
    name = dns_name("bp-drill-litestream", service.name)
    namespace = restore_namespace(service.namespace)
    return DrillStep(
        f"Restore the databases of {service.key} from every replica and check them: "
        "the Job must complete",
        (
            context.apply(file),
            f"kubectl -n {namespace} wait job/{name} --for=condition=Complete --timeout=1h",
            f"kubectl -n {namespace} logs job/{name} -c restore",
            f"kubectl -n {namespace} logs job/{name} -c check",
        ),
    )


def _secrets(spec: ServiceLitestream, namespace: str) -> list[SecretCopy]:
    target = restore_namespace(namespace)
    return [SecretCopy(creds.secret, namespace, target) for creds in spec.credentials]


def drill_part(
    context: DrillContext, test: RestoreTest, services: Sequence[EffectiveService]
) -> DrillPart | None:
    """The part of a ``litestream`` drill (None for any other test type)."""
    if test.type != TEST_TYPE:
        return None
    files, steps, secrets, namespaces = [], [], [], set()
    for service in services:
        spec = resolve(context.cluster, service)
        if spec is None or not any(db.replicas for db in spec.databases):
            continue
        file = f"litestream/{service.namespace}-{service.name}.yaml"
        documents = _job(context, test, service, spec)
        files.append(DrillFile(file, documents, (service.source.file,)))
        steps.append(_step(context, service, file))
        secrets += _secrets(spec, service.namespace)
        namespaces.add(restore_namespace(service.namespace))
    return DrillPart(
        "Litestream",
        tuple(steps),
        tuple(files),
        namespaces=tuple(sorted(namespaces)),
        secrets=tuple(sorted(set(secrets), key=lambda s: (s.target, s.name))),
        scripts=(SCRIPT, SMOKE_SCRIPT) if files else (),
    )
