"""Render the real bjw-s app-template charts offline and post-render them as Flux does.

Pytest-free, so benchmarks and scripts can use it too::

    docs = render_chart(chart_dir("4.1.1"), values, release="paperless", namespace="apps")
    docs = apply_post_renderers(docs, helmrelease["spec"]["postRenderers"], tmp_path)
    deployment = find_object(docs, "Deployment", "paperless")
    assert "litestream" in container_names(deployment)

Charts are read in place from ``../shared/charts/app-template-<version>`` (override the folder
with ``BACKUP_POLICY_CHARTS``) and rendered in-process with ``helm-python-sdk`` (Helm's Go SDK v4
behind a C ABI, import name ``helm_python``): no cluster, no network, no ``helm`` binary.
``Chart.render`` returns ``{template path: text}``, as Helm's engine does; :func:`render_chart`
then does what Helm's ``renderResources`` does with it: drop ``NOTES.txt``, partials and empty
documents, and order the documents like ``releaseutil.SortManifests(..., InstallOrder)`` (by
kind in install order), and within a kind by namespace and name so that the order is stable:
app-template 4.x/5.x emit same-kind objects in random (Go map) order.

:func:`apply_post_renderers` follows fluxcd/helm-controller v1.6.3
(``internal/postrender/build.go``, ``kustomize.go``, ``common_renderer.go``) on Helm v4
(``pkg/action/action.go``: ``renderResources``, ``annotateAndMerge``, ``splitAndDeannotate``):

- Helm 4 annotates every document with ``postrenderer.helm.sh/postrender-filename: <template>``
  before the post-renderer runs and clears that annotation afterwards (an object that had no
  annotations keeps an empty ``annotations`` map). Patches see it (an ``annotationSelector``
  could match it). helm-controller < 1.5 (Helm 3) did not annotate: pass ``source=None``.
- Each ``spec.postRenderers[]`` entry with ``kustomize`` is one Kustomize run, in list order, each
  on the previous one's output: a folder holding ``helm-output.yaml`` (the stream) and a
  ``kustomization.yaml`` with ``resources: [helm-output.yaml]``, ``patches`` (``patch`` text +
  ``target`` selector, copied field by field) and ``images``. helm-controller builds that folder
  in memory with krusty (``LoadRestrictionsNone``, plugins disabled); here ``kubectl kustomize
  --load-restrictor=LoadRestrictionsNone`` builds it on disk. Entries without ``kustomize`` are
  ignored, as helm-controller ignores them.
- Then ``spec.commonMetadata`` labels/annotations (if given) and the origin labels
  ``helm.toolkit.fluxcd.io/name`` / ``namespace`` (if ``origin`` is given) are set on
  ``metadata`` only, like kustomize's LabelTransformer with the single field spec
  ``metadata/labels`` that helm-controller configures.

The kustomize inside kubectl (v5.5.0 with kubectl 1.32) is older than helm-controller's
(kustomize/api v0.21.1); strategic-merge and JSON6902 patching behave the same for what these
tests use. Note that a strategic-merge patch adding a container to ``containers`` puts the new
container FIRST in the list.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import json
import os
import subprocess
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import yaml

from tests.support.files import REPO

if TYPE_CHECKING:
    import helm_python

CHARTS_ENV = "BACKUP_POLICY_CHARTS"
VERSIONS = ("3.7.3", "4.1.1", "5.0.0")

Document = dict[str, Any]

FILENAME_ANNOTATION = "postrenderer.helm.sh/postrender-filename"
ORIGIN_GROUP = "helm.toolkit.fluxcd.io"
KUSTOMIZATION_API_VERSION = "kustomize.config.k8s.io/v1beta1"
SELECTOR_FIELDS = (
    "group",
    "version",
    "kind",
    "namespace",
    "name",
    "annotationSelector",
    "labelSelector",
)
IMAGE_FIELDS = ("name", "newName", "newTag", "digest")

# helm.sh/helm/v4 pkg/release/v1/util/kind_sorter.go
INSTALL_ORDER = (
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
)
_KIND_RANK = {kind: rank for rank, kind in enumerate(INSTALL_ORDER)}

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")


class ChartOutputError(ValueError):
    """The chart rendered text that is not YAML (Helm would refuse the release too)."""


class PostRenderError(RuntimeError):
    """``kubectl kustomize`` refused a post-renderer (bad patch, no match for an untargeted one)."""


# -- where the charts are -----------------------------------------------------------------------


def charts_root() -> Path:
    """The folder holding ``app-template-<version>/`` (``BACKUP_POLICY_CHARTS`` overrides it)."""
    return Path(os.environ.get(CHARTS_ENV) or REPO.parent / "shared" / "charts")


def chart_dir(version: str) -> Path:
    """The unpacked app-template chart of ``version`` (it may not exist: check ``is_dir()``)."""
    return charts_root() / f"app-template-{version}"


# -- YAML ---------------------------------------------------------------------------------------


_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it
_SafeDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Loader(_SafeLoader):  # type: ignore[misc,valid-type]
    """Safe loader that keeps timestamps as strings, as Kubernetes (JSON) does.

    YAML 1.1 like the API server's sigs.k8s.io/yaml: an unquoted ``on``/``off``/``yes``/``no``
    is a boolean. Documents handed to kustomize are re-dumped from the parsed objects, so a
    scalar may change spelling (``yes`` -> ``true``) but not meaning for Kubernetes.
    """


_Loader.add_constructor(
    "tag:yaml.org,2002:timestamp",
    lambda loader, node: loader.construct_scalar(node),
)


def parse_documents(text: str) -> list[Document]:
    """The non-empty mapping documents of a YAML stream, in order."""
    loaded: list[Any] = list(yaml.load_all(text, Loader=_Loader))
    return [cast(Document, d) for d in loaded if isinstance(d, dict) and d]


def dump_documents(documents: Iterable[Mapping[str, Any]]) -> str:
    """A YAML stream of ``documents`` (``---`` separated, keys in their order)."""
    dumped: str = yaml.dump_all(
        [dict(d) for d in documents],
        Dumper=_SafeDumper,
        sort_keys=False,
        default_flow_style=False,
        explicit_start=True,
        width=1 << 16,
    )
    return dumped


# -- rendering ----------------------------------------------------------------------------------

_charts: dict[Path, helm_python.Chart] = {}
_charts_lock = threading.Lock()


def helm_sdk_available() -> bool:
    """Whether ``helm-python-sdk`` (import name ``helm_python``) is installed."""
    return importlib.util.find_spec("helm_python") is not None


def _chart(path: Path) -> helm_python.Chart:
    """The loaded chart at ``path``, loaded once per process (charts are immutable)."""
    import helm_python  # here, so that importing this module does not need the SDK

    key = path.resolve()
    with _charts_lock:
        loaded = _charts.get(key)
        if loaded is None or loaded.closed:
            loaded = helm_python.Chart.load(key)
            _charts[key] = loaded
        return loaded


def clear_chart_cache() -> None:
    """Release every chart loaded by :func:`render_chart`."""
    with _charts_lock:
        for loaded in _charts.values():
            loaded.close()
        _charts.clear()


def render_templates(
    chart_dir: Path, values: Mapping[str, Any], release: str, namespace: str
) -> dict[str, str]:
    """Helm's raw engine output: ``{template path: rendered text}`` (NOTES.txt included)."""
    rendered: dict[str, str] = _chart(chart_dir).render(
        json.loads(json.dumps(values)), name=release, namespace=namespace
    )
    return rendered


def _sort_key(item: tuple[int, Document]) -> tuple[int, str, str, str, int]:
    position, document = item
    kind = str(document.get("kind") or "")
    metadata = document.get("metadata") or {}
    rank = _KIND_RANK.get(kind, len(_KIND_RANK))
    # Helm: known kinds in install order, then unknown kinds alphabetically; here also by
    # namespace and name within a kind, because Helm keeps the template's order there and
    # app-template 4.x/5.x emit same-kind objects in Go map order (sprig ``keys``): random.
    namespace, name = str(metadata.get("namespace") or ""), str(metadata.get("name") or "")
    return (rank, kind if rank == len(_KIND_RANK) else "", namespace, name, position)


def _install_order(documents: Sequence[Document]) -> list[Document]:
    return [d for _, d in sorted(enumerate(documents), key=_sort_key)]


def _files_to_documents(files: Mapping[str, str]) -> list[tuple[str, Document]]:
    """(template path, document) pairs the way Helm's SortManifests reads them."""
    pairs: list[tuple[str, Document]] = []
    for name in sorted(files):
        base = name.rsplit("/", 1)[-1]
        if base.startswith("_") or base == "NOTES.txt" or not files[name].strip():
            continue
        try:
            documents = parse_documents(files[name])
        except yaml.YAMLError as error:  # Helm refuses such a render too
            raise ChartOutputError(f"{name} rendered invalid YAML: {error}") from error
        pairs.extend((name, document) for document in documents)
    return pairs


def render_chart(
    chart_dir: Path, values: Mapping[str, Any], release: str, namespace: str
) -> list[Document]:
    """The objects the chart renders for ``values`` as release ``release`` in ``namespace``.

    Like ``helm template`` / an install's manifest: no NOTES.txt, no partials, no empty
    documents, in Helm's install order of kinds, then by namespace and name.
    """
    pairs = _files_to_documents(render_templates(chart_dir, values, release, namespace))
    return _install_order([d for _, d in pairs])


# -- post-rendering -----------------------------------------------------------------------------


def _selector(target: Mapping[str, Any] | None) -> dict[str, str] | None:
    """helm-controller's adaptSelector: the seven selector fields, empty ones left out."""
    if target is None:
        return None
    return {f: str(target[f]) for f in SELECTOR_FIELDS if target.get(f)}


def kustomization_for(kustomize: Mapping[str, Any]) -> dict[str, Any]:
    """The kustomization.yaml helm-controller writes for one ``postRenderers[].kustomize``."""
    config: dict[str, Any] = {
        "apiVersion": KUSTOMIZATION_API_VERSION,
        "kind": "Kustomization",
        "resources": ["helm-output.yaml"],
    }
    images = [
        {f: str(image[f]) for f in IMAGE_FIELDS if image.get(f)}
        for image in kustomize.get("images") or []
    ]
    if images:
        config["images"] = images
    patches: list[dict[str, Any]] = []
    for patch in kustomize.get("patches") or []:
        entry: dict[str, Any] = {"patch": str(patch.get("patch") or "")}
        target = _selector(patch.get("target"))
        if target is not None:
            entry["target"] = target
        patches.append(entry)
    if patches:
        config["patches"] = patches
    return config


def run_kustomize(
    documents: Sequence[Document], kustomize: Mapping[str, Any], folder: Path, kubectl: str
) -> list[Document]:
    """One Kustomize post-renderer over ``documents``, built by ``kubectl kustomize``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "helm-output.yaml").write_text(dump_documents(documents))
    (folder / "kustomization.yaml").write_text(json.dumps(kustomization_for(kustomize), indent=2))
    done = subprocess.run(
        [kubectl, "kustomize", "--load-restrictor=LoadRestrictionsNone", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise PostRenderError(f"kubectl kustomize {folder} failed:\n{done.stderr.strip()}")
    return parse_documents(done.stdout)


def _metadata_map(document: Document, field: str) -> dict[str, Any]:
    metadata = document.setdefault("metadata", {})
    found = metadata.get(field)
    if not isinstance(found, dict):
        found = metadata[field] = {}
    return cast(dict[str, Any], found)


def _set_metadata(documents: Sequence[Document], field: str, items: Mapping[str, str]) -> None:
    for document in documents:
        _metadata_map(document, field).update({k: str(v) for k, v in items.items()})


def apply_post_renderers(
    documents: list[Document],
    post_renderers: list[dict[str, Any]],
    workdir: Path,
    kubectl: str = "kubectl",
    *,
    origin: tuple[str, str] | None = None,
    common_metadata: Mapping[str, Mapping[str, str]] | None = None,
    source: str | None = "app-template/templates/common.yaml",
) -> list[Document]:
    """``documents`` after a HelmRelease's ``spec.postRenderers``, as helm-controller applies them.

    ``origin`` is the HelmRelease's ``(namespace, name)``: when given, the origin labels
    helm-controller always adds are added too. ``common_metadata`` is ``spec.commonMetadata``.
    ``source`` is the template path used for Helm 4's filename annotation on documents that do
    not carry one; ``None`` leaves the annotation out, as helm-controller < 1.5 (Helm 3) did.
    Each Kustomize run uses its own folder ``workdir/post-renderer-<i>``. The input is not
    modified; the result is in Helm's install order.
    """
    current = copy.deepcopy(documents)
    for document in current if source is not None else []:
        _metadata_map(document, "annotations").setdefault(FILENAME_ANNOTATION, source)
    for index, post_renderer in enumerate(post_renderers):
        kustomize = post_renderer.get("kustomize")
        if isinstance(kustomize, dict):
            current = run_kustomize(current, kustomize, workdir / f"post-renderer-{index}", kubectl)
    if common_metadata is not None:
        _set_metadata(current, "labels", common_metadata.get("labels") or {})
        _set_metadata(current, "annotations", common_metadata.get("annotations") or {})
    if origin is not None:
        namespace, name = origin
        _set_metadata(
            current,
            "labels",
            {f"{ORIGIN_GROUP}/name": name, f"{ORIGIN_GROUP}/namespace": namespace},
        )
    for document in current if source is not None else []:
        annotations = document.get("metadata", {}).get("annotations")
        if isinstance(annotations, dict):
            annotations.pop(FILENAME_ANNOTATION, None)
    return _install_order(current)


# -- Flux HelmRelease conventions ---------------------------------------------------------------


def flux_release_name(helmrelease: Mapping[str, Any]) -> str:
    """helm-controller's release name: ``spec.releaseName`` or ``[targetNamespace-]name``,
    shortened past 53 characters to 40 characters + ``-`` + 12 hex of its SHA-256."""
    spec = helmrelease.get("spec") or {}
    name = str((helmrelease.get("metadata") or {}).get("name") or "")
    if spec.get("releaseName"):
        full = str(spec["releaseName"])
    elif spec.get("targetNamespace"):
        full = f"{spec['targetNamespace']}-{name}"
    else:
        full = name
    if len(full) <= 53:
        return full
    return full[:40] + "-" + hashlib.sha256(full.encode()).hexdigest()[:12]


def flux_release_namespace(helmrelease: Mapping[str, Any]) -> str:
    """``spec.targetNamespace`` or the HelmRelease's own namespace (``default`` if unset)."""
    spec = helmrelease.get("spec") or {}
    metadata = helmrelease.get("metadata") or {}
    return str(spec.get("targetNamespace") or metadata.get("namespace") or "default")


def render_helmrelease(
    helmrelease: Mapping[str, Any],
    chart: Path,
    workdir: Path,
    kubectl: str = "kubectl",
    values: Mapping[str, Any] | None = None,
) -> list[Document]:
    """Render ``chart`` for a HelmRelease and apply its post-renderers, common metadata and
    origin labels. ``values`` replaces ``spec.values`` (pass merged ``valuesFrom`` here)."""
    spec = helmrelease.get("spec") or {}
    metadata = helmrelease.get("metadata") or {}
    documents = render_chart(
        chart,
        dict(values if values is not None else spec.get("values") or {}),
        flux_release_name(helmrelease),
        flux_release_namespace(helmrelease),
    )
    return apply_post_renderers(
        documents,
        list(spec.get("postRenderers") or []),
        workdir,
        kubectl,
        origin=(str(metadata.get("namespace") or "default"), str(metadata.get("name") or "")),
        common_metadata=spec.get("commonMetadata"),
    )


# -- finding objects ----------------------------------------------------------------------------


def find_objects(
    documents: Iterable[Document], kind: str | None = None, name: str | None = None
) -> list[Document]:
    """The documents of ``kind`` (any if None) named ``name`` (any if None), in order."""
    return [
        d
        for d in documents
        if (kind is None or d.get("kind") == kind)
        and (name is None or (d.get("metadata") or {}).get("name") == name)
    ]


def inventory(documents: Iterable[Document]) -> list[tuple[str, str]]:
    """``(kind, name)`` of every document, in order: handy in assertion messages."""
    return [(str(d.get("kind")), str((d.get("metadata") or {}).get("name"))) for d in documents]


def find_object(documents: Sequence[Document], kind: str, name: str) -> Document:
    """The one document of ``kind`` named ``name``; LookupError listing what exists."""
    found = find_objects(documents, kind, name)
    if len(found) != 1:
        raise LookupError(f"{len(found)} {kind} named {name!r} in {inventory(documents)}")
    return found[0]


def object_names(documents: Iterable[Document], kind: str) -> list[str]:
    """The names of the documents of ``kind``, in order."""
    return [name for k, name in inventory(documents) if k == kind]


def workloads(documents: Iterable[Document]) -> list[Document]:
    """The Deployments, StatefulSets, DaemonSets, Jobs and CronJobs, in order."""
    return [d for d in documents if d.get("kind") in WORKLOAD_KINDS]


def labels_of(document: Document) -> dict[str, Any]:
    return dict((document.get("metadata") or {}).get("labels") or {})


def annotations_of(document: Document) -> dict[str, Any]:
    return dict((document.get("metadata") or {}).get("annotations") or {})


def pod_template(workload: Document) -> Document:
    """The pod template of a workload (CronJob: through ``jobTemplate``)."""
    spec = workload.get("spec") or {}
    if workload.get("kind") == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    return cast(Document, spec.get("template") or {})


def pod_spec(workload: Document) -> Document:
    return cast(Document, pod_template(workload).get("spec") or {})


def containers(workload: Document, *, init: bool = False) -> list[Document]:
    field = "initContainers" if init else "containers"
    return list(pod_spec(workload).get(field) or [])


def container_names(workload: Document, *, init: bool = False) -> list[str]:
    """Container (or init container) names in pod order."""
    return [str(c.get("name")) for c in containers(workload, init=init)]


def container(workload: Document, name: str, *, init: bool = False) -> Document:
    for found in containers(workload, init=init):
        if found.get("name") == name:
            return found
    raise LookupError(f"no container {name!r} in {container_names(workload, init=init)}")


def volumes(workload: Document) -> list[Document]:
    return list(pod_spec(workload).get("volumes") or [])


def volume_names(workload: Document) -> list[str]:
    return [str(v.get("name")) for v in volumes(workload)]


def volume(workload: Document, name: str) -> Document:
    for found in volumes(workload):
        if found.get("name") == name:
            return found
    raise LookupError(f"no volume {name!r} in {volume_names(workload)}")


def claim_names(workload: Document) -> dict[str, str]:
    """``{pod volume name: claimName}`` for the workload's persistentVolumeClaim volumes."""
    return {
        str(v["name"]): str(v["persistentVolumeClaim"].get("claimName"))
        for v in volumes(workload)
        if isinstance(v.get("persistentVolumeClaim"), dict)
    }


def mounts(workload: Document, container_name: str, *, init: bool = False) -> dict[str, str]:
    """``{mountPath: volume name}`` of one container."""
    found = container(workload, container_name, init=init)
    return {str(m.get("mountPath")): str(m.get("name")) for m in found.get("volumeMounts") or []}


def volume_claim_template_names(statefulset: Document) -> list[str]:
    templates = (statefulset.get("spec") or {}).get("volumeClaimTemplates") or []
    return [str((t.get("metadata") or {}).get("name")) for t in templates]


def statefulset_pvc_names(statefulset: Document, replicas: int | None = None) -> list[str]:
    """The PVCs the StatefulSet controller creates: ``<template>-<statefulset>-<ordinal>``."""
    spec = statefulset.get("spec") or {}
    count = replicas if replicas is not None else int(spec.get("replicas") or 1)
    name = str((statefulset.get("metadata") or {}).get("name"))
    return [
        f"{template}-{name}-{ordinal}"
        for template in volume_claim_template_names(statefulset)
        for ordinal in range(count)
    ]


def _normalized(document: Document) -> Document:
    """``document`` without empty ``metadata.labels`` / ``annotations`` (Helm 4 leaves an empty
    annotations map where it cleared its filename annotation)."""
    metadata = {
        k: v
        for k, v in (document.get("metadata") or {}).items()
        if not (k in ("labels", "annotations") and not v)
    }
    return {**document, "metadata": metadata}


def changed_objects(before: Sequence[Document], after: Sequence[Document]) -> list[tuple[str, str]]:
    """``(kind, name)`` of the objects that differ, appear or disappear between two renders."""
    old = {key: _normalized(d) for key, d in zip(inventory(before), before, strict=True)}
    new = {key: _normalized(d) for key, d in zip(inventory(after), after, strict=True)}
    return sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))
