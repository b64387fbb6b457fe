"""Litestream in the app's Component: config, sidecar, restore init container, PodMonitor.

A Deployment/StatefulSet gets a strategic-merge patch. A Flux HelmRelease (any chart) gets a
``spec.postRenderers`` entry whose kustomize patch is the same strategic merge, targeting the
object the chart renders (``workload.renders``; by default a Deployment named like the release:
bjw-s app-template names its controller after the release when it is the only one). The entry
creates the list, or with ``existingPostRenderers: true`` is appended to the user's list by a
JSON6902 ``add`` (a strategic merge would replace that list).

The restore init container runs under ``timeout`` (:mod:`compiler.tools.litestream.runtime`
says why), its image is the version's role in the cluster policy's ``spec.images``. The
sidecar gets an emptyDir at ``/tmp`` for 0.3's replica validation
(:mod:`compiler.tools.litestream.names` says why).
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from typing import Any

from compiler.analyse import EffectiveService
from compiler.core.emit import dump
from compiler.model.service import Workload
from compiler.plan import (
    SERVICE_LABEL,
    AppContribution,
    AppObject,
    ComponentPatch,
    ObjectRef,
    PlanContext,
)
from compiler.plan.k8s import env_secret, managed, metadata
from compiler.tools.litestream.config import emit, render_config
from compiler.tools.litestream.names import (
    CONFIG_FILE,
    CONFIG_KEY,
    CONFIG_PATH,
    CONFIG_VOLUME,
    LITESTREAM,
    METRICS_PORT_NAME,
    PATCH_FILE,
    POD_LABEL,
    PODMONITOR_FILE,
    RESTORE,
    SIDECAR,
    TMP_PATH,
    TMP_VOLUME,
    VERSION_LABEL,
    config_map_name,
)
from compiler.tools.litestream.resolve import ServiceLitestream, credential_env, resolve
from compiler.tools.litestream.runtime import Runtime, restore_command, runtime

Doc = dict[str, Any]
DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container"
SKIPPED = "Litestream would never be injected"
RESTORE_FLAGS = ("-if-db-not-exists", "-if-replica-exists")


def credential_vars(spec: ServiceLitestream) -> list[Doc]:
    """S3 key pairs from their Secrets: LITESTREAM_* when shared, else one pair per target."""
    if spec.shared_credentials:
        if not spec.credentials:
            return []
        creds = spec.credentials[0]
        return [
            env_secret("LITESTREAM_ACCESS_KEY_ID", creds.secret, creds.access_key_id_key),
            env_secret("LITESTREAM_SECRET_ACCESS_KEY", creds.secret, creds.secret_access_key_key),
        ]
    found: dict[str, Doc] = {}
    for replica in (r for db in spec.databases for r in db.replicas):
        key_id, secret = credential_env(replica.target)
        creds = replica.credentials
        found[key_id] = env_secret(key_id, creds.secret, creds.access_key_id_key)
        found[secret] = env_secret(secret, creds.secret, creds.secret_access_key_key)
    return [found[name] for name in sorted(found)]


def temp_dir(spec: ServiceLitestream) -> bool:
    """Whether the sidecar gets the ``/tmp`` emptyDir: not when a database's volume is
    mounted there already (it is writable, and a second mount at one path is refused)."""
    return all(posixpath.normpath(db.mount_path) != TMP_PATH for db in spec.databases)


def _mounts(spec: ServiceLitestream, temp: bool) -> list[Doc]:
    data = sorted({(db.volume, db.mount_path) for db in spec.databases})
    config = {"name": CONFIG_VOLUME, "mountPath": CONFIG_PATH, "subPath": CONFIG_KEY}
    tmp = [{"name": TMP_VOLUME, "mountPath": TMP_PATH}] if temp else []
    return [*({"name": n, "mountPath": p} for n, p in data), {**config, "readOnly": True}, *tmp]


def _container(spec: ServiceLitestream, image: str, name: str, argv: list[str], port: bool) -> Doc:
    """A Litestream container; ``argv`` starts with ``litestream`` or a wrapper around it
    (the image's entrypoint is litestream: only a wrapper needs ``command``). The one with
    the metrics ``port`` is the sidecar, which also gets the temp dir."""
    resources = spec.resources
    requests = resources.requests.model_dump(exclude_none=True)
    limits = resources.limits.model_dump(exclude_none=True)
    split = argv.index(LITESTREAM) + 1
    container: Doc = {"name": name, "image": image}
    if split > 1:
        container["command"] = argv[:split]
    container["args"] = argv[split:]
    env = credential_vars(spec)
    if env:
        container["env"] = env
    if port:
        ports = {"name": METRICS_PORT_NAME, "containerPort": spec.metrics_port, "protocol": "TCP"}
        container["ports"] = [ports]
    container["resources"] = {
        **({"requests": dict(sorted(requests.items()))} if requests else {}),
        **({"limits": dict(sorted(limits.items()))} if limits else {}),
    }
    container["securityContext"] = spec.security.emit()
    container["volumeMounts"] = _mounts(spec, port and temp_dir(spec))
    return container


def containers(spec: ServiceLitestream, run: Runtime) -> tuple[list[Doc], list[Doc]]:
    """(init containers, sidecars): one restore per database, one replicating sidecar."""
    single = len(spec.databases) == 1
    restores = [
        _container(
            spec,
            run.image,
            RESTORE if single else f"{RESTORE}-{number}",
            [*restore_command(run), "restore", *RESTORE_FLAGS, "-config", CONFIG_PATH, db.path],
            port=False,
        )
        for number, db in enumerate(spec.databases, start=1)
    ]
    replicate = [LITESTREAM, "replicate", "-config", CONFIG_PATH]
    sidecar = _container(spec, run.image, SIDECAR, replicate, port=True)
    return restores, [sidecar]


def rendered_target(workload: Workload) -> tuple[str, str]:
    """Kind and name of the Deployment/StatefulSet the pod patch applies to."""
    if workload.kind != "HelmRelease":
        return workload.kind, workload.name
    renders = workload.renders
    if renders is None:
        return "Deployment", workload.name
    return renders.kind, renders.name or workload.name


def config_digest(spec: ServiceLitestream) -> str:
    """A hash of the config's content (not its text): pods roll when the config means
    something new, never for a change of YAML style."""
    canonical = json.dumps(emit(spec), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def volumes(spec: ServiceLitestream) -> list[Doc]:
    """The config and, for the sidecar's temp dir, an emptyDir. It has no sizeLimit: a
    validation restores a whole copy of the database into it, and the kubelet evicts the
    pod (the app with it) when an emptyDir outgrows its limit."""
    config = {"name": CONFIG_VOLUME, "configMap": {"name": config_map_name(spec.name)}}
    return [config, *([{"name": TMP_VOLUME, "emptyDir": {}}] if temp_dir(spec) else [])]


def pod_patch(spec: ServiceLitestream, run: Runtime, workload: Workload) -> Doc:
    """The strategic-merge patch adding Litestream to the workload's pod template."""
    kind, name = rendered_target(workload)
    annotations = {"backup-policy.io/litestream-config": f"sha256:{config_digest(spec)}"}
    if workload.container:
        # kustomize puts merged-in containers first: keep `kubectl logs/exec` on the app
        annotations[DEFAULT_CONTAINER] = workload.container
    init, sidecars = containers(spec, run)
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name},
        "spec": {
            "template": {
                "metadata": {"labels": {POD_LABEL: spec.name}, "annotations": annotations},
                "spec": {
                    "initContainers": init,
                    "containers": sidecars,
                    "volumes": volumes(spec),
                },
            }
        },
    }


def helmrelease_patch(workload: Workload, pod: Doc) -> Doc | list[Any]:
    """A Flux post-renderer applying ``pod`` to the chart's output: creating the list, or
    (``existingPostRenderers``) a JSON6902 append to the user's list."""
    kind, name = pod["kind"], pod["metadata"]["name"]
    target = {"group": "apps", "version": "v1", "kind": kind, "name": name}
    renderer = {"kustomize": {"patches": [{"target": target, "patch": dump(pod)}]}}
    if workload.existing_post_renderers:
        return [{"op": "add", "path": "/spec/postRenderers/-", "value": renderer}]
    return {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": workload.name},
        "spec": {"postRenderers": [renderer]},
    }


def _labels(spec: ServiceLitestream) -> dict[str, str]:
    return managed(**{SERVICE_LABEL: spec.name, VERSION_LABEL: spec.version})


def _workload_patch(spec: ServiceLitestream, run: Runtime, workload: Workload) -> ComponentPatch:
    pod = pod_patch(spec, run, workload)
    origin = ("spec", "workload", "name")
    if workload.kind == "HelmRelease":
        target = ObjectRef("HelmRelease", workload.name, "helm.toolkit.fluxcd.io", "v2")
        document = helmrelease_patch(workload, pod)
        return ComponentPatch(PATCH_FILE, target, (document,), origin, SKIPPED)
    target = ObjectRef(workload.kind, workload.name, "apps", "v1")
    return ComponentPatch(PATCH_FILE, target, (pod,), origin, SKIPPED)


def _objects(spec: ServiceLitestream) -> tuple[AppObject, AppObject]:
    text = render_config(spec)
    config = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(config_map_name(spec.name), spec.namespace, _labels(spec)),
        "data": {CONFIG_KEY: text},
    }
    monitor = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": metadata(f"{spec.name}-litestream", spec.namespace, _labels(spec)),
        "spec": {
            "selector": {"matchLabels": {POD_LABEL: spec.name}},
            "podMetricsEndpoints": [{"port": METRICS_PORT_NAME, "path": "/metrics"}],
        },
    }
    return AppObject(CONFIG_FILE, (config,)), AppObject(PODMONITOR_FILE, (monitor,))


def contribution(context: PlanContext, service: EffectiveService) -> AppContribution | None:
    """The Component's Litestream files for ``service`` (None without SQLite databases)."""
    cluster = context.analysis.policies.cluster.policy.spec
    spec = resolve(cluster, service)
    if spec is None:
        return None
    workload = service.source.policy.spec.workload
    objects = _objects(spec)
    patch = _workload_patch(spec, runtime(cluster, service, spec), workload)
    return AppContribution("Litestream", objects, (patch,))
