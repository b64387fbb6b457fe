"""Who the VolSync mover runs as: the app pod's identity, read from the user's tree.

VolSync's guidance (docs/usage/permissionmodel.rst, v0.16.0): "if the primary workload
specifies a security context, that same security context should be used for VolSync". An
unprivileged mover drops every capability, so a mover that runs as another user than the
files' owner cannot read them (backup) or give them back to the app (restore).

The pod's ``securityContext`` is read from a Deployment/StatefulSet in the app's folder, or
from a bjw-s app-template HelmRelease's values (``defaultPodOptions.securityContext``, then
the controller's ``pod.securityContext``); the app container's own ``runAsUser`` and
``runAsGroup`` win, as they do in the pod. Only the identity is copied (``runAsUser``,
``runAsGroup``, ``fsGroup``): the rest of a pod's context (sysctls, seccomp) is the app's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compiler.analyse import EffectiveService
from compiler.core.data import mapping_at
from compiler.tools.volsync.settings import SERVICE
from compiler.tree import Inventory
from compiler.tree.fluxreleases import app_release

IDENTITY_KEYS = ("runAsUser", "runAsGroup", "fsGroup")
CONTAINER_KEYS = ("runAsUser", "runAsGroup")
Identity = dict[str, int]


def _ids(context: Mapping[str, Any], keys: tuple[str, ...]) -> Identity:
    return {
        key: value
        for key in keys
        if isinstance(value := context.get(key), int) and not isinstance(value, bool)
    }


def _named(items: Any, name: str | None) -> Mapping[str, Any]:
    """The container called ``name`` of a pod's list (the only one when ``name`` is None)."""
    found = [i for i in (items if isinstance(items, list) else []) if isinstance(i, Mapping)]
    if name is None:
        return found[0] if len(found) == 1 else {}
    return next((i for i in found if i.get("name") == name), {})


def _keyed(items: Any, name: str | None) -> Mapping[str, Any]:
    """The entry ``name`` of an app-template mapping (the only one when ``name`` is None)."""
    found = dict(items) if isinstance(items, Mapping) else {}
    if name is None:
        return mapping_at(found, next(iter(found))) if len(found) == 1 else {}
    return mapping_at(found, name)


def _from_workload(inventory: Inventory, service: EffectiveService) -> Identity:
    workload = service.source.policy.spec.workload
    prefix, generated = f"{service.app_dir}/", f"{service.app_dir}/backup/"
    for found in inventory.workloads:
        manifest = found.manifest
        mine = manifest.file.startswith(prefix) and not manifest.file.startswith(generated)
        if mine and (manifest.kind, manifest.name) == (workload.kind, workload.name):
            pod = mapping_at(manifest.body, "spec", "template", "spec")
            container = _named(pod.get("containers"), workload.container)
            return {
                **_ids(mapping_at(pod, "securityContext"), IDENTITY_KEYS),
                **_ids(mapping_at(container, "securityContext"), CONTAINER_KEYS),
            }
    return {}


def _from_release(inventory: Inventory, service: EffectiveService) -> Identity:
    workload = service.source.policy.spec.workload
    release = app_release(inventory, service.app_dir, workload.name)
    if release is None or release.values is None or release.chart.chart != "app-template":
        return {}
    values = release.values
    controller = _keyed(values.get("controllers"), workload.controller)
    container = _keyed(controller.get("containers"), workload.container)
    return {
        **_ids(mapping_at(values, "defaultPodOptions", "securityContext"), IDENTITY_KEYS),
        **_ids(mapping_at(controller, "pod", "securityContext"), IDENTITY_KEYS),
        **_ids(mapping_at(container, "securityContext"), CONTAINER_KEYS),
    }


def mover_identity(inventory: Inventory, service: EffectiveService) -> Identity:
    """The mover's ``moverSecurityContext``: the policy's override, else the pod's identity
    as the tree writes it ({} when the tree does not say)."""
    override = SERVICE.of(service.source.policy.spec)
    if override is not None and override.mover_security_context is not None:
        return override.mover_security_context.model_dump(by_alias=True, exclude_none=True)
    if service.source.policy.spec.workload.kind == "HelmRelease":
        found = _from_release(inventory, service)
    else:
        found = _from_workload(inventory, service)
    return {key: found[key] for key in IDENTITY_KEYS if key in found}
