"""What a Flux HelmRelease of bjw-s app-template renders, worked out from its values.

A post-renderer patch targets the workload by kind and name, and a label patch targets a PVC
by name. If nothing in the chart's output has that name, kustomize applies the patch to
nothing and says nothing. For app-template (3.x, 4.x and 5.x, whose naming is 4.x's) the names
follow fixed rules (:mod:`compiler.tree.chartnames`), so the compiler works them out from the
release's merged values (:mod:`compiler.tree.helm`): the controllers with their containers and
pod volumes, the PVCs the chart creates (``persistence.<key>`` of type
``persistentVolumeClaim`` without ``existingClaim``) and the StatefulSets'
``volumeClaimTemplates``. When the values are not all in the tree, use Helm templating in a
name, or the release name is long enough for Flux to shorten it, the render is unknown and
nothing is claimed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from msgspec import Struct, field

from compiler.core.data import mapping_at
from compiler.tree import chartnames as names
from compiler.tree.records import HelmRelease

KINDS = {
    "deployment": "Deployment",
    "statefulset": "StatefulSet",
    "daemonset": "DaemonSet",
    "cronjob": "CronJob",
    "job": "Job",
}
MAJORS = frozenset({3, 4, 5})
MAX_RELEASE_NAME = 53  # Flux shortens longer names with a hash


class ClaimTemplate(Struct, frozen=True):
    """A StatefulSet ``volumeClaimTemplates`` entry (``index`` in the list): the StatefulSet
    controller creates the PVCs ``<name>-<statefulset>-<ordinal>``."""

    name: str
    index: int
    statefulset: str
    replicas: int = 1
    storage_class: str = ""

    @property
    def claims(self) -> tuple[str, ...]:
        return tuple(f"{self.name}-{self.statefulset}-{n}" for n in range(self.replicas))


class Controller(Struct, frozen=True):
    """A rendered workload: ``containers`` and ``init_containers`` are container names (an
    item's ``nameOverride`` applied), ``volumes`` the pod volumes (persistence keys)."""

    identifier: str
    kind: str
    name: str
    containers: tuple[str, ...]
    init_containers: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    claim_templates: tuple[ClaimTemplate, ...] = ()

    @property
    def mountable(self) -> tuple[str, ...]:
        """What a container of its pods can mount: pod volumes and claim template names."""
        return (*self.volumes, *(t.name for t in self.claim_templates))


class ChartPvc(Struct, frozen=True):
    """A PVC the chart creates for ``persistence.<key>``."""

    key: str
    name: str
    storage_class: str = ""
    labels: Mapping[str, Any] = field(default_factory=dict)


class ChartRender(Struct, frozen=True):
    """The workloads, pod volumes and PVCs app-template renders for one release."""

    chart: str
    controllers: tuple[Controller, ...]
    volumes: tuple[str, ...]
    """Every enabled persistence key."""
    pvcs: tuple[ChartPvc, ...] = ()
    claims: Mapping[str, str] = field(default_factory=dict)
    """``claimName`` of each PVC-type persistence key (``existingClaim`` or a chart PVC)."""

    def controller(self, identifier: str) -> Controller | None:
        return next((c for c in self.controllers if c.identifier == identifier), None)

    @property
    def claim_templates(self) -> tuple[ClaimTemplate, ...]:
        return tuple(t for c in self.controllers for t in c.claim_templates)


def app_template_major(release: HelmRelease) -> int | None:
    """The app-template major version the release installs (None: another chart)."""
    if release.chart.chart != "app-template":
        return None
    major = release.chart.version.lstrip("v").split(".")[0]
    return int(major) if major.isdigit() and int(major) in MAJORS else None


class _Naming(Struct, frozen=True):
    major: int
    fullname: str
    always: bool

    def name(self, identifier: str, spec: Mapping[str, Any], count: int) -> str:
        if self.major == 3:
            return names.controller_name_v3(self.fullname, identifier, spec, count)
        return names.resource_name_v4(self.fullname, identifier, spec, count, self.always)

    def pvc_name(self, identifier: str, spec: Mapping[str, Any], count: int) -> str:
        if self.major == 3:
            return names.pvc_name_v3(self.fullname, identifier, spec)
        return names.resource_name_v4(self.fullname, identifier, spec, count, self.always)


def _container_names(spec: Mapping[str, Any], key: str) -> tuple[str, ...]:
    items = names.enabled(spec.get(key))
    return tuple(sorted(names.container_name(k, v) for k, v in items.items()))


def _claim_templates(spec: Mapping[str, Any], kind: str, name: str) -> tuple[ClaimTemplate, ...]:
    """Every template is rendered, ``enabled: false`` ones too (only their mounts go)."""
    templates = mapping_at(spec, "statefulset").get("volumeClaimTemplates")
    if kind != "StatefulSet" or not isinstance(templates, list):
        return ()
    replicas = spec.get("replicas", 1)
    count = replicas if isinstance(replicas, int) and not isinstance(replicas, bool) else 1
    return tuple(
        ClaimTemplate(str(t.get("name")), i, name, count, names.storage_class(t))
        for i, t in enumerate(templates)
        if isinstance(t, Mapping)
    )


def _controllers(values: Mapping[str, Any], naming: _Naming) -> tuple[Controller, ...]:
    controllers = names.enabled(values.get("controllers"))
    persistence = dict(sorted(names.enabled(values.get("persistence")).items()))
    rendered = []
    for identifier, spec in sorted(controllers.items()):
        name = naming.name(identifier, spec, len(controllers))
        kind = KINDS.get(str(spec.get("type") or "deployment"), str(spec.get("type")))
        volumes = tuple(k for k, v in persistence.items() if names.mounted_in(v, identifier))
        rendered.append(
            Controller(
                identifier,
                kind,
                name,
                _container_names(spec, "containers"),
                _container_names(spec, "initContainers"),
                volumes,
                _claim_templates(spec, kind, name),
            )
        )
    return tuple(rendered)


def _pvcs(values: Mapping[str, Any], naming: _Naming) -> tuple[ChartPvc, ...]:
    enabled = names.enabled(values.get("persistence"))
    items = {k: v for k, v in enabled.items() if names.is_chart_pvc(v)}
    return tuple(
        ChartPvc(
            key,
            naming.pvc_name(key, item, len(items)),
            names.storage_class(item),
            mapping_at(item, "labels"),
        )
        for key, item in sorted(items.items())
    )


def _claims(values: Mapping[str, Any], pvcs: tuple[ChartPvc, ...]) -> dict[str, str]:
    found = {p.key: p.name for p in pvcs}
    for key, item in names.enabled(values.get("persistence")).items():
        kind = item.get("type") or "persistentVolumeClaim"
        if kind == "persistentVolumeClaim" and item.get("existingClaim"):
            found[key] = str(item["existingClaim"])
    return dict(sorted(found.items()))


def app_template_render(release: HelmRelease) -> ChartRender | None:
    """What app-template renders for ``release``, or None when it cannot be known."""
    major = app_template_major(release)
    name = release.release_name
    if major is None or release.values is None:
        return None
    if len(name) > MAX_RELEASE_NAME or "${" in name:
        return None
    values = names.rendered_names(release.values, name, major)
    if values is None:
        return None
    always = bool(mapping_at(values, "global").get("alwaysAppendIdentifierToResourceName"))
    naming = _Naming(major, names.fullname(name, values), always)
    pvcs = _pvcs(values, naming)
    return ChartRender(
        f"app-template {major}.x",
        _controllers(values, naming),
        tuple(sorted(names.enabled(values.get("persistence")))),
        pvcs,
        _claims(values, pvcs),
    )
