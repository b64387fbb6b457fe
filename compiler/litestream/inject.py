"""Litestream in the app's Component: config, sidecar, restore init container, PodMonitor.

A Deployment/StatefulSet gets a strategic-merge patch. A Flux HelmRelease (any chart) gets a
``spec.postRenderers`` entry whose kustomize patch is the same strategic merge, targeting the
object the chart renders (``workload.renders``; by default a Deployment named like the release:
bjw-s app-template names its controller after the release when it is the only one). The entry
creates the list, or with ``existingPostRenderers: true`` is appended to the user's list by a
JSON6902 ``add`` (a strategic merge would replace that list).
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from typing import TYPE_CHECKING

from compiler.litestream import (
    CONFIG_FILE,
    CONFIG_KEY,
    CONFIG_PATH,
    CONFIG_VOLUME,
    IMAGES,
    METRICS_PORT_NAME,
    POD_LABEL,
    RESTORE,
    SIDECAR,
    VERSION_LABEL,
    config_map_name,
)
from compiler.litestream.config import emit, render_config
from compiler.litestream.objects import (
    ConfigMap,
    Container,
    EnvVar,
    HelmReleasePatch,
    Mount,
    Pairs,
    PodMonitor,
    PodPatch,
)
from compiler.litestream.resolve import ServiceLitestream, credential_env, resolve
from compiler.model.cluster import ContainerResources
from compiler.plan import MANAGED_BY, SERVICE_LABEL, PlannedFile
from compiler.plan.extension import AppExtension
from compiler.plan.objects import Patch, SecretRef

if TYPE_CHECKING:
    from compiler.analyse import Analysis
    from compiler.analyse.effective import EffectiveService
    from compiler.model.service import Workload

PATCH_FILE = "patches/litestream.yaml"
DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container"
PODMONITOR_FILE = "litestream-podmonitor.yaml"


def _pairs(values: dict[str, str]) -> Pairs:
    return tuple(sorted(values.items()))


def resource_pairs(resources: ContainerResources) -> tuple[Pairs, Pairs]:
    requests = resources.requests.model_dump(exclude_none=True)
    limits = resources.limits.model_dump(exclude_none=True)
    return _pairs(requests), _pairs(limits)


def credential_vars(spec: ServiceLitestream) -> tuple[EnvVar, ...]:
    """S3 key pairs from their Secrets: LITESTREAM_* when shared, else one pair per target."""
    if spec.shared_credentials:
        if not spec.credentials:
            return ()
        creds = spec.credentials[0]
        return (
            EnvVar(
                "LITESTREAM_ACCESS_KEY_ID", secret=SecretRef(creds.secret, creds.access_key_id_key)
            ),
            EnvVar(
                "LITESTREAM_SECRET_ACCESS_KEY",
                secret=SecretRef(creds.secret, creds.secret_access_key_key),
            ),
        )
    found: dict[str, EnvVar] = {}
    for replica in (r for db in spec.databases for r in db.replicas):
        key_id, secret = credential_env(replica.target)
        creds = replica.credentials
        found[key_id] = EnvVar(key_id, secret=SecretRef(creds.secret, creds.access_key_id_key))
        found[secret] = EnvVar(secret, secret=SecretRef(creds.secret, creds.secret_access_key_key))
    return tuple(found[name] for name in sorted(found))


def _mounts(spec: ServiceLitestream) -> tuple[Mount, ...]:
    data = sorted({(db.volume, db.mount_path) for db in spec.databases})
    return (
        *(Mount(name, path) for name, path in data),
        Mount(CONFIG_VOLUME, CONFIG_PATH, CONFIG_KEY, read_only=True),
    )


def containers(spec: ServiceLitestream) -> tuple[tuple[Container, ...], tuple[Container, ...]]:
    """(init containers, sidecars): one restore per database, one replicating sidecar."""
    image = IMAGES[spec.version]
    env, mounts = credential_vars(spec), _mounts(spec)
    requests, limits = resource_pairs(spec.resources)
    single = len(spec.databases) == 1
    restores = tuple(
        Container(
            RESTORE if single else f"{RESTORE}-{number}",
            image,
            ("restore", "-if-db-not-exists", "-if-replica-exists", "-config", CONFIG_PATH, db.path),
            env,
            mounts,
            requests,
            limits,
        )
        for number, db in enumerate(spec.databases, start=1)
    )
    sidecar = Container(
        SIDECAR,
        image,
        ("replicate", "-config", CONFIG_PATH),
        env,
        mounts,
        requests,
        limits,
        METRICS_PORT_NAME,
        spec.metrics_port,
    )
    return restores, (sidecar,)


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


def pod_patch(spec: ServiceLitestream, workload: Workload) -> PodPatch:
    kind, name = rendered_target(workload)
    digest = config_digest(spec)
    annotations = {"backup-policy.io/litestream-config": f"sha256:{digest}"}
    if workload.container:
        # kustomize puts merged-in containers first: keep `kubectl logs/exec` on the app
        annotations[DEFAULT_CONTAINER] = workload.container
    init, sidecars = containers(spec)
    return PodPatch(
        kind,
        name,
        ((POD_LABEL, spec.name),),
        _pairs(annotations),
        init,
        sidecars,
        CONFIG_VOLUME,
        config_map_name(spec.name),
    )


def _labels(spec: ServiceLitestream) -> Pairs:
    return _pairs({**MANAGED_BY, SERVICE_LABEL: spec.name, VERSION_LABEL: spec.version})


def _workload_patch(
    base: str, sources: tuple[str, ...], workload: Workload, pod: PodPatch
) -> tuple[PlannedFile, Patch]:
    if workload.kind == "HelmRelease":
        value = HelmReleasePatch(
            workload.name, workload.existing_post_renderers, pod.kind, pod.name
        )
        patch = Patch(PATCH_FILE, "HelmRelease", workload.name, "helm.toolkit.fluxcd.io", "v2")
        return PlannedFile(
            f"{base}/{PATCH_FILE}",
            "litestream/helmrelease-patch.yaml.j2",
            sources,
            value,
            {"pod": pod},
        ), patch
    patch = Patch(PATCH_FILE, workload.kind, workload.name, "apps", "v1")
    return PlannedFile(
        f"{base}/{PATCH_FILE}", "litestream/pod-patch.yaml.j2", sources, pod, {"pod": pod}
    ), patch


def _config_map(spec: ServiceLitestream, text: str, flux: bool) -> ConfigMap:
    return ConfigMap(
        config_map_name(spec.name), spec.namespace, _labels(spec), CONFIG_KEY, text, flux
    )


def _pod_monitor(spec: ServiceLitestream) -> PodMonitor:
    return PodMonitor(
        f"{spec.name}-litestream",
        spec.namespace,
        _labels(spec),
        ((POD_LABEL, spec.name),),
        METRICS_PORT_NAME,
    )


def plan_litestream(analysis: Analysis, service: EffectiveService) -> AppExtension | None:
    """The Component's Litestream files for ``service`` (None without SQLite databases)."""
    from compiler.plan.apps import app_dir

    cluster = analysis.policies.cluster
    spec = resolve(cluster.policy.spec, service)
    if spec is None:
        return None
    base = posixpath.join(app_dir(service), "backup")
    sources = (service.source.file, cluster.file)
    text = render_config(spec)
    config = _config_map(spec, text, cluster.policy.spec.flux.substitution)
    workload = service.source.policy.spec.workload
    patch_file, patch = _workload_patch(base, sources, workload, pod_patch(spec, workload))
    files = (
        PlannedFile(f"{base}/{CONFIG_FILE}", "litestream/configmap.yaml.j2", sources, config),
        PlannedFile(
            f"{base}/{PODMONITOR_FILE}",
            "litestream/podmonitor.yaml.j2",
            sources,
            _pod_monitor(spec),
        ),
        patch_file,
    )
    return AppExtension(files, (CONFIG_FILE, PODMONITOR_FILE), (patch,))
