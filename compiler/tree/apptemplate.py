"""What a Flux HelmRelease of bjw-s app-template renders, worked out from its values.

A post-renderer patch targets the workload by kind and name. If nothing in the chart's
output has that name, kustomize applies the patch to nothing and says nothing. For
app-template (3.x and 4.x) the names follow fixed rules, so they can be worked out from the
release's merged values (:mod:`compiler.tree.helm`) and compared. When the values are not
all in the tree, or use Helm templating, the render is unknown and nothing is claimed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from compiler.core.data import mapping_at
from compiler.tree.records import HelmRelease

KINDS = {
    "deployment": "Deployment",
    "statefulset": "StatefulSet",
    "daemonset": "DaemonSet",
    "cronjob": "CronJob",
    "job": "Job",
}


@dataclass(frozen=True)
class Controller:
    identifier: str
    kind: str
    name: str
    containers: tuple[str, ...]


@dataclass(frozen=True)
class ChartRender:
    """The workloads and pod volumes app-template renders for one release."""

    chart: str
    controllers: tuple[Controller, ...]
    volumes: tuple[str, ...]

    def controller(self, identifier: str) -> Controller | None:
        return next((c for c in self.controllers if c.identifier == identifier), None)


def _app_template_major(release: HelmRelease) -> int | None:
    if release.chart.chart != "app-template":
        return None
    major = release.chart.version.lstrip("v").split(".")[0]
    return int(major) if major in {"3", "4"} else None


def _trunc(name: str) -> str:
    return name[:63].rstrip("-")


def _fullname(release_name: str, values: Mapping[str, Any]) -> str:
    """app-template sets global.nameOverride to the release name unless the user set one."""
    global_values = mapping_at(values, "global")
    override = global_values.get("fullnameOverride") or values.get("fullnameOverride")
    if override:
        return _trunc(str(override))
    name = _trunc(str(global_values.get("nameOverride") or release_name))
    return _trunc(release_name if name in release_name else f"{release_name}-{name}")


def _enabled(items: Any) -> dict[str, Mapping[str, Any]]:
    if not isinstance(items, dict):
        return {}
    return {
        str(key): value
        for key, value in items.items()
        if isinstance(value, dict) and value.get("enabled", True) is not False
    }


def _name_v3(fullname: str, identifier: str, values: Mapping[str, Any], count: int) -> str:
    override = values.get("nameOverride")
    if override:
        return fullname if override == fullname else f"{fullname}-{override}"
    if count > 1 and identifier != fullname:
        return f"{fullname}-{identifier}"
    return fullname


def _name_v4(
    fullname: str, identifier: str, values: Mapping[str, Any], count: int, always: bool
) -> str:
    if values.get("forceRename"):
        return str(values["forceRename"]).lower()
    name = fullname
    prefix = values.get("prefix")
    if prefix and prefix != name:
        name = f"{prefix}-{name}"
    if (count > 1 or always) and not name.endswith(f"-{identifier}") and identifier != name:
        name = f"{name}-{identifier}"
    suffix = values.get("suffix")
    if suffix and not name.endswith(f"-{suffix}"):
        name = f"{name}-{suffix}"
    return name.lower()


def app_template_render(release: HelmRelease) -> ChartRender | None:
    """The controllers and volumes app-template renders, or None when it cannot be known."""
    major = _app_template_major(release)
    values = release.values
    if major is None or values is None or "{{" in str(values.get("global") or ""):
        return None
    release_name = release.release_name
    if len(release_name) > 53:
        return None  # Flux shortens such names with a hash
    fullname = _fullname(release_name, values)
    controllers = _enabled(values.get("controllers"))
    always = bool(mapping_at(values, "global").get("alwaysAppendIdentifierToResourceName"))
    rendered = []
    for identifier, spec in sorted(controllers.items()):
        if major == 3:
            name = _name_v3(fullname, identifier, spec, len(controllers))
        else:
            name = _name_v4(fullname, identifier, spec, len(controllers), always)
        kind = KINDS.get(str(spec.get("type") or "deployment"), str(spec.get("type")))
        containers = tuple(sorted(_enabled(spec.get("containers"))))
        rendered.append(Controller(identifier, kind, name, containers))
    chart = f"app-template {major}.x"
    return ChartRender(chart, tuple(rendered), tuple(sorted(_enabled(values.get("persistence")))))
