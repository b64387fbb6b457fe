"""The typed records of the inventory: what the user's tree holds, as plain values.

Every record carries the file (relative to the output root) and the position it came from,
so a rule can point at the line. Mappings from the tree are read-only by convention.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from msgspec import Struct, field

from compiler.core.data import mapping_at

Position = tuple[int, int]


class TreeFile(Struct, frozen=True):
    """A file of the tree: its text (None when it could not be read) and whether the
    compiler generated it (the header line proves it)."""

    path: str
    text: str | None
    generated: bool = False
    error: str = ""
    error_at: Position = (1, 1)


class Manifest(Struct, frozen=True):
    """One Kubernetes object written in the tree."""

    file: str
    index: int
    api_version: str
    kind: str
    name: str
    namespace: str = ""
    at: Position = (1, 1)
    body: Mapping[str, Any] = field(default_factory=dict)

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]


def manifest_of(file: str, index: int, data: object, at: Position) -> Manifest | None:
    """The object a parsed document (the ``index``-th of ``file``, at ``at``) holds: None
    unless it is a mapping with an apiVersion, a kind and a name (a JSON6902 patch is a
    list of operations)."""
    if not isinstance(data, Mapping):
        return None
    api, kind = data.get("apiVersion"), data.get("kind")
    metadata = mapping_at(data, "metadata")
    name = metadata.get("name")
    if not (isinstance(api, str) and isinstance(kind, str) and isinstance(name, str)):
        return None
    namespace = metadata.get("namespace")
    namespace = namespace if isinstance(namespace, str) else ""
    return Manifest(file, index, api, kind, name, namespace, at, data)


class ConfigMapGenerator(Struct, frozen=True):
    """A kustomize ``configMapGenerator`` entry: its name and (key, file) pairs."""

    name: str
    files: tuple[tuple[str, str], ...] = ()


class KustomizePatch(Struct, frozen=True):
    """One entry of a kustomization's ``patches`` (or the older ``patchesStrategicMerge``,
    ``patchesJson6902``): its file (joined to the kustomization's folder) or inline text,
    and its target's kind and name ('' when the patch names its object itself)."""

    path: str = ""
    text: str = ""
    kind: str = ""
    name: str = ""
    selector: bool = False
    """The target also selects by labels or annotations (which this reader does not judge)."""


class Kustomization(Struct, frozen=True):
    """A folder's kustomization.yaml (a Kustomization or a Component)."""

    folder: str
    file: str
    kind: str = "Kustomization"
    resources: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    generators: tuple[ConfigMapGenerator, ...] = ()
    opaque: tuple[str, ...] = ()
    """Keys whose output this reader cannot know (``helmCharts``, ``bases``, ...)."""
    patches: tuple[KustomizePatch, ...] = ()
    components_at: Position | None = None
    resources_at: Position | None = None
    error: str = ""
    error_at: Position = (1, 1)


class Container(Struct, frozen=True):
    name: str
    image: str = ""
    init: bool = False
    ports: tuple[int, ...] = ()


class PodVolume(Struct, frozen=True):
    name: str
    claim: str = ""


class Workload(Struct, frozen=True):
    """A Deployment, StatefulSet, DaemonSet, Job or CronJob written in the tree."""

    manifest: Manifest
    containers: tuple[Container, ...] = ()
    volumes: tuple[PodVolume, ...] = ()
    claim_templates: tuple[str, ...] = ()


class ChartSource(Struct, frozen=True):
    """Which chart a HelmRelease installs (``spec.chart``, or its ``chartRef`` resolved)."""

    chart: str = ""
    version: str = ""
    source_kind: str = ""
    source_name: str = ""


class HelmRelease(Struct, frozen=True):
    """A Flux HelmRelease with its values merged as helm-controller merges them; ``values``
    is None when a source of them is not in the tree (a Secret, a ConfigMap from elsewhere)."""

    manifest: Manifest
    release_name: str
    chart: ChartSource = field(default_factory=ChartSource)
    values: Mapping[str, Any] | None = None
    post_renderers: bool = False


class Pvc(Struct, frozen=True):
    manifest: Manifest
    storage_class: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)


class FluxKustomization(Struct, frozen=True):
    """A Flux ``Kustomization`` (kustomize.toolkit.fluxcd.io): what it applies and with which
    substitutions."""

    manifest: Manifest
    path: str = ""
    depends_on: tuple[str, ...] = ()
    substitute: Mapping[str, str] = field(default_factory=dict)
    substitute_from: tuple[tuple[str, str], ...] = ()
    components: tuple[str, ...] = ()
    """``spec.components``: Kustomize Components added to the build, relative to ``path``."""
    source: tuple[str, str] = ("", "")
    """``spec.sourceRef`` (kind, name): the repository whose files ``path`` names."""


def flux_kustomization(manifest: Manifest) -> FluxKustomization:
    """The record of a Flux ``Kustomization`` manifest (read from the tree, or planned)."""
    spec = mapping_at(manifest.body, "spec")
    depends = spec.get("dependsOn")
    post_build = mapping_at(spec, "postBuild")
    substitute = mapping_at(post_build, "substitute")
    components = spec.get("components")
    ref = mapping_at(spec, "sourceRef")
    return FluxKustomization(
        manifest,
        str(spec.get("path") or ""),
        tuple(
            str(d.get("name"))
            for d in (depends if isinstance(depends, list) else [])
            if isinstance(d, Mapping) and d.get("name")
        ),
        {str(k): str(v) for k, v in substitute.items()},
        substitute_sources(post_build.get("substituteFrom")),
        tuple(str(c) for c in components) if isinstance(components, list) else (),
        (str(ref.get("kind") or ""), str(ref.get("name") or "")),
    )


def substitute_sources(listed: object) -> tuple[tuple[str, str], ...]:
    """(kind, name) of each ``postBuild.substituteFrom`` entry."""
    return tuple(
        (str(s.get("kind") or ""), str(s.get("name") or ""))
        for s in (listed if isinstance(listed, list) else [])
        if isinstance(s, Mapping)
    )
