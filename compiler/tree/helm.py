"""Flux HelmReleases of the tree, with their values merged as helm-controller merges them.

Values are each ``valuesFrom`` ConfigMap in order (read from the ``configMapGenerator`` of
the release's kustomization, as Flux apps usually ship them), then ``spec.values`` on top.
When a source cannot be read from the tree (a Secret, a ConfigMap made elsewhere, a
``targetPath``), the values are unknown (None) and nothing is claimed about them.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from typing import Any

from compiler.core.data import mapping_at
from compiler.tree.nodes import YamlDocument
from compiler.tree.records import ChartSource, HelmRelease, Kustomization, Manifest

GROUP = "helm.toolkit.fluxcd.io"


def merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's coalescing of two values maps: maps merge, anything else is replaced."""
    merged = dict(base)
    for key, value in top.items():
        below = merged.get(key)
        if isinstance(value, Mapping) and isinstance(below, Mapping):
            merged[key] = merge(below, value)
        else:
            merged[key] = value
    return merged


def _generated_values(
    folder: str,
    name: str,
    key: str,
    kustomizations: Mapping[str, Kustomization],
    parsed: Mapping[str, list[YamlDocument]],
) -> Mapping[str, Any] | None:
    kustomization = kustomizations.get(folder)
    for generator in kustomization.generators if kustomization is not None else ():
        if generator.name != name:
            continue
        for file_key, file in generator.files:
            if file_key != key:
                continue
            documents = parsed.get(posixpath.normpath(posixpath.join(folder, file)), [])
            if len(documents) == 1 and isinstance(documents[0].data, Mapping):
                return documents[0].data
    return None


def values_of(
    release: Manifest,
    kustomizations: Mapping[str, Kustomization],
    parsed: Mapping[str, list[YamlDocument]],
) -> Mapping[str, Any] | None:
    spec = mapping_at(release.body, "spec")
    folder = posixpath.dirname(release.file) or "."
    merged: Mapping[str, Any] = {}
    sources = spec.get("valuesFrom") or []
    for source in sources if isinstance(sources, list) else [None]:
        if not isinstance(source, Mapping) or source.get("kind") != "ConfigMap":
            return None
        if source.get("targetPath"):
            return None  # a value placed at a dotted path: rare, and not worth guessing
        key = str(source.get("valuesKey") or "values.yaml")
        found = _generated_values(folder, str(source.get("name")), key, kustomizations, parsed)
        if found is None:
            if source.get("optional") is True:
                continue
            return None
        merged = merge(merged, found)
    inline = spec.get("values") or {}
    return merge(merged, inline) if isinstance(inline, Mapping) else None


def release_name(release: Manifest) -> str:
    spec = mapping_at(release.body, "spec")
    if spec.get("releaseName"):
        return str(spec["releaseName"])
    target = spec.get("targetNamespace")
    return f"{target}-{release.name}" if target else release.name


def _oci_chart(manifests: list[Manifest], name: str, namespace: str) -> ChartSource:
    candidates = [m for m in manifests if m.kind == "OCIRepository" and m.name == name]
    chosen = next((m for m in candidates if m.namespace == namespace), None)
    chosen = chosen or (candidates[0] if len(candidates) == 1 else None)
    if chosen is None:
        return ChartSource(source_kind="OCIRepository", source_name=name)
    spec = mapping_at(chosen.body, "spec")
    url = str(spec.get("url") or "")
    tag = mapping_at(spec, "ref").get("tag") or mapping_at(spec, "ref").get("semver") or ""
    return ChartSource(url.rstrip("/").rpartition("/")[2], str(tag), "OCIRepository", name)


def chart_of(release: Manifest, manifests: list[Manifest]) -> ChartSource:
    spec = mapping_at(release.body, "spec")
    chart = mapping_at(spec, "chart", "spec")
    if chart:
        source = mapping_at(chart, "sourceRef")
        return ChartSource(
            str(chart.get("chart") or ""),
            str(chart.get("version") or ""),
            str(source.get("kind") or ""),
            str(source.get("name") or ""),
        )
    ref = mapping_at(spec, "chartRef")
    if ref.get("kind") == "OCIRepository":
        namespace = str(ref.get("namespace") or release.namespace)
        return _oci_chart(manifests, str(ref.get("name") or ""), namespace)
    return ChartSource(source_kind=str(ref.get("kind") or ""), source_name=str(ref.get("name")))


def releases(
    manifests: list[Manifest],
    kustomizations: Mapping[str, Kustomization],
    parsed: Mapping[str, list[YamlDocument]],
) -> Iterator[HelmRelease]:
    for manifest in manifests:
        if manifest.kind != "HelmRelease" or manifest.group != GROUP:
            continue
        yield HelmRelease(
            manifest,
            release_name(manifest),
            chart_of(manifest, manifests),
            values_of(manifest, kustomizations, parsed),
            bool(mapping_at(manifest.body, "spec").get("postRenderers")),
        )
