"""Where an app's pods mount their volumes, read from its own files (for the import).

From a bjw-s app-template release's values (``persistence.<key>``: its type, claim and
``globalMounts``/``advancedMounts`` paths; no mounts means ``/<key>``) and from the pod
specs of hand-written workloads (``volumes`` and the containers' ``volumeMounts``).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from typing import Any

from msgspec import Struct

from compiler.core.data import mapping_at
from compiler.tree import HelmRelease, Inventory, Workload


class Mount(Struct, frozen=True):
    volume: str
    path: str
    claim: str = ""
    empty_dir: bool = False
    workload: tuple[str, str] = ("", "")
    """(kind, name) of the object that runs the pod."""


def _paths(item: Mapping[str, Any], key: str) -> list[str]:
    paths = [m.get("path") for m in item.get("globalMounts") or [] if isinstance(m, Mapping)]
    for containers in mapping_at(item, "advancedMounts").values():
        for mounts in containers.values() if isinstance(containers, Mapping) else []:
            paths += [m.get("path") for m in mounts or [] if isinstance(m, Mapping)]
    found = [p for p in paths if isinstance(p, str)]
    return found if "globalMounts" in item or found else [f"/{key}"]


def _release_mounts(release: HelmRelease) -> Iterator[Mount]:
    persistence = mapping_at(release.values or {}, "persistence")
    owner = ("HelmRelease", release.manifest.name)
    for key, item in persistence.items():
        if not isinstance(item, Mapping) or item.get("enabled") is False:
            continue
        kind = item.get("type", "persistentVolumeClaim")
        if kind not in ("persistentVolumeClaim", "emptyDir"):
            continue
        claim = str(item.get("existingClaim") or "")
        if kind == "persistentVolumeClaim" and not claim:
            claim = f"{release.release_name}-{key}" if key != release.release_name else key
        for path in _paths(item, str(key)):
            yield Mount(str(key), path, claim, kind == "emptyDir", owner)


def _workload_mounts(workload: Workload) -> Iterator[Mount]:
    pod = mapping_at(workload.manifest.body, "spec", "template", "spec")
    volumes = {str(v.get("name")): v for v in pod.get("volumes") or [] if isinstance(v, Mapping)}
    owner = (workload.manifest.kind, workload.manifest.name)
    for container in pod.get("containers") or []:
        for mount in container.get("volumeMounts") or [] if isinstance(container, Mapping) else []:
            volume = volumes.get(str(mount.get("name")), {})
            claim = str(mapping_at(volume, "persistentVolumeClaim").get("claimName") or "")
            empty = "emptyDir" in volume
            if (claim or empty) and isinstance(mount.get("mountPath"), str):
                yield Mount(str(mount["name"]), mount["mountPath"], claim, empty, owner)


def app_mounts(inventory: Inventory, app_dir: str) -> list[Mount]:
    """Every PVC or emptyDir mount of the app's hand-written releases and workloads."""
    prefix = f"{app_dir}/"
    found: list[Mount] = []
    for release in inventory.helm_releases:
        if release.manifest.file.startswith(prefix) and "/backup/" not in release.manifest.file:
            found += _release_mounts(release)
    for workload in inventory.workloads:
        if workload.manifest.file.startswith(prefix):
            found += _workload_mounts(workload)
    return found


def holding(mounts: list[Mount], path: str) -> Mount | None:
    """The mount whose path holds the file ``path`` (the deepest one)."""
    inside = [m for m in mounts if posixpath.commonpath([m.path, path]) == m.path]
    return max(inside, key=lambda m: len(m.path), default=None)
