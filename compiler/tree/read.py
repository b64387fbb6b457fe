"""Stage 3, tree: read the output root's GitOps tree once into an :class:`Inventory`.

Every ``*.yaml``/``*.yml`` file under the root is read (hidden folders, the policy folder
and symbolic links are not followed), and every ``*.md`` file, which is only ever kept (the
generated docs are compared as text; a hand-written page is never overwritten). A file that
starts with the generated header is kept as text for the write stage; every other YAML
file is parsed leniently (:mod:`.nodes`) and its
documents become records: kustomizations, objects, workloads, HelmReleases with their
merged values, PVCs and Flux Kustomizations. Nothing here raises on content.
"""

from __future__ import annotations

import io
import os
import posixpath
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from msgspec.structs import replace

from compiler.core.data import mapping_at
from compiler.core.generated import is_generated_text
from compiler.core.paths import open_regular
from compiler.core.treefiles import (
    KUSTOMIZATION_NAMES,
    MAX_FILE_BYTES,
    TEXT_SUFFIXES,
    is_read,
    read_whole,
)
from compiler.tree import helm
from compiler.tree.fluxpatches import with_parent_patches
from compiler.tree.inventory import Inventory
from compiler.tree.kpatches import patches_of
from compiler.tree.nodes import Parse, Parsed, ParseError, YamlDocument, read_documents
from compiler.tree.records import (
    ConfigMapGenerator,
    Container,
    Kustomization,
    Manifest,
    PodVolume,
    Pvc,
    TreeFile,
    Workload,
    flux_kustomization,
    manifest_of,
)

WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"})
_OPAQUE_KEYS = ("helmCharts", "helmChartInflationGenerator", "bases")


def _listing(folder: str) -> tuple[list[os.DirEntry[str]], list[os.DirEntry[str]]]:
    """A folder's subfolders (a link to a folder included, as ``os.walk`` lists it) and
    other entries; an unreadable folder is empty, as ``os.walk`` skips it."""
    dirs: list[os.DirEntry[str]] = []
    others: list[os.DirEntry[str]] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                (dirs if is_dir else others).append(entry)
    except OSError:
        pass
    return dirs, others


def _walk(
    root: str, rel: str, skip: frozenset[Path], folders: set[str], links: set[str]
) -> Iterator[tuple[str, str, bool]]:
    """(path, root-relative path, is a link) of the YAML and Markdown files under the
    folder ``rel`` of ``root``, in a stable order: a folder's files, then its subfolders.
    Links are not followed; every folder seen is added to ``folders``, every symbolic link
    (folder or file) to ``links``. ``os.scandir`` tells links and folders apart without
    a ``stat`` per entry (a tree of 8,000 files: 28,000 of them before)."""
    base = posixpath.join(root, rel) if rel else root
    dirs, others = _listing(base)
    kept = sorted(
        (d for d in dirs if not d.name.startswith(".") and Path(d.path) not in skip),
        key=lambda entry: entry.name,
    )
    for entry in (*kept, *others):
        if entry.is_symlink():
            links.add(f"{rel}/{entry.name}" if rel else entry.name)
    folders.update(f"{rel}/{d.name}" if rel else d.name for d in kept)
    for entry in sorted(others, key=lambda entry: entry.name):
        name = entry.name
        if is_read(name):
            yield entry.path, f"{rel}/{name}" if rel else name, entry.is_symlink()
    for entry in kept:
        if not entry.is_symlink():
            yield from _walk(
                root, f"{rel}/{entry.name}" if rel else entry.name, skip, folders, links
            )


def _read(path: str, rel: str, link: bool) -> TreeFile:
    if link:
        return TreeFile(rel, None, error="a symbolic link: not followed")
    try:
        with open_regular(path) as raw:  # a FIFO is refused, not waited on
            size = os.fstat(raw.fileno()).st_size
            if not read_whole(raw, size):
                return TreeFile(rel, None, error=f"larger than {MAX_FILE_BYTES} bytes: not read")
            with io.TextIOWrapper(raw, encoding="utf-8") as stream:  # as open(path) reads
                text = stream.read()
    except UnicodeDecodeError as error:
        at = _first_invalid_byte(path)
        return TreeFile(rel, None, error=f"not UTF-8 text: {error.reason}", error_at=at)
    except OSError as error:
        return TreeFile(rel, None, error=f"cannot be read: {error.strerror or error}")
    return TreeFile(rel, text, generated=is_generated_text(text))


def _first_invalid_byte(path: str) -> tuple[int, int]:
    """The 1-based line and column of the first byte that is not UTF-8 (the decoder's
    offsets are within one buffered chunk, so the file is decoded again whole)."""
    try:
        with open_regular(path) as raw:
            data = raw.read(MAX_FILE_BYTES)
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line_start = before.rfind(b"\n") + 1
        return before.count(b"\n") + 1, len(before[line_start:].decode("utf-8")) + 1
    except OSError:
        pass
    return 1, 1


def _strings(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _generators(data: Mapping[str, Any]) -> tuple[ConfigMapGenerator, ...]:
    found = []
    entries = data.get("configMapGenerator")
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping):
            continue
        pairs = []
        for item in _strings(entry.get("files")):
            key, _, file = item.rpartition("=")
            pairs.append((key or posixpath.basename(file), file))
        found.append(ConfigMapGenerator(str(entry.get("name") or ""), tuple(pairs)))
    return tuple(found)


def _kustomization(rel: str, read: Parsed) -> Kustomization:
    folder = posixpath.dirname(rel) or "."
    if isinstance(read, ParseError):
        return Kustomization(folder, rel, error=read.message, error_at=(read.line, read.col))
    if len(read) != 1 or not isinstance(read[0].data, Mapping):
        return Kustomization(folder, rel, error="not a single mapping")
    document = read[0]
    data = document.data
    return Kustomization(
        folder,
        rel,
        kind=str(data.get("kind") or "Kustomization"),
        resources=_strings(data.get("resources")),
        components=_strings(data.get("components")),
        generators=_generators(data),
        opaque=tuple(key for key in _OPAQUE_KEYS if data.get(key)),
        patches=patches_of(folder, data),
        components_at=document.keys.get(("components",)),
        resources_at=document.keys.get(("resources",)),
    )


def _pod_spec(manifest: Manifest) -> Mapping[str, Any]:
    if manifest.kind == "CronJob":
        return mapping_at(manifest.body, "spec", "jobTemplate", "spec", "template", "spec")
    return mapping_at(manifest.body, "spec", "template", "spec")


def _containers(pod: Mapping[str, Any]) -> tuple[Container, ...]:
    found = []
    for key, init in (("initContainers", True), ("containers", False)):
        items = pod.get(key)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, Mapping):
                ports = item.get("ports")
                numbers = tuple(
                    p["containerPort"]
                    for p in (ports if isinstance(ports, list) else [])
                    if isinstance(p, Mapping) and isinstance(p.get("containerPort"), int)
                )
                found.append(
                    Container(
                        str(item.get("name") or ""), str(item.get("image") or ""), init, numbers
                    )
                )
    return tuple(found)


def _workload(manifest: Manifest) -> Workload:
    pod = _pod_spec(manifest)
    volumes = []
    items = pod.get("volumes")
    for item in items if isinstance(items, list) else []:
        if isinstance(item, Mapping):
            claim = mapping_at(item, "persistentVolumeClaim").get("claimName")
            volumes.append(PodVolume(str(item.get("name") or ""), str(claim or "")))
    templates = mapping_at(manifest.body, "spec").get("volumeClaimTemplates")
    names = tuple(
        str(mapping_at(t, "metadata").get("name") or "")
        for t in (templates if isinstance(templates, list) else [])
    )
    return Workload(manifest, _containers(pod), tuple(volumes), names)


def _pvc(manifest: Manifest) -> Pvc:
    labels = mapping_at(manifest.body, "metadata", "labels")
    storage = mapping_at(manifest.body, "spec").get("storageClassName")
    return Pvc(manifest, str(storage or ""), {str(k): str(v) for k, v in labels.items()})


def read_tree(
    root: Path,
    shown: str,
    skip: tuple[Path, ...] = (),
    parse: Parse = read_documents,
) -> Inventory:
    """Read every YAML and Markdown file under ``root`` (a missing root is an empty tree);
    ``parse`` makes a text's documents (by default, parsing it)."""
    files: dict[str, TreeFile] = {}
    parsed: dict[str, list[YamlDocument]] = {}
    kustomizations: dict[str, Kustomization] = {}
    manifests: list[Manifest] = []
    excluded = frozenset(p.resolve() for p in skip)
    folders: set[str] = set()
    links: set[str] = set()
    for path, rel, link in _walk(str(root), "", excluded, folders, links):
        found = _read(path, rel, link)
        files[rel] = found
        name = rel.rpartition("/")[2]
        is_kustomization = name in KUSTOMIZATION_NAMES
        if name.endswith(TEXT_SUFFIXES) and not is_kustomization:
            continue  # text: kept to compare or to protect, never parsed
        if found.text is None or (found.generated and not is_kustomization):
            continue  # generated manifests are compared as text; their folders are followed
        read = parse(found.text)
        if is_kustomization:
            kustomizations[posixpath.dirname(rel) or "."] = _kustomization(rel, read)
        if found.generated:
            continue
        if isinstance(read, ParseError):
            files[rel] = TreeFile(
                rel, found.text, error=read.message, error_at=(read.line, read.col)
            )
            continue
        parsed[rel] = read
        found_objects = (manifest_of(rel, i, d.data, (d.line, d.col)) for i, d in enumerate(read))
        manifests += filter(None, found_objects)
    inventory = _inventory(shown, files, kustomizations, manifests, parsed)
    inventory = replace(
        inventory, folders=frozenset(folders), links=frozenset(links), parsed=parsed, parse=parse
    )
    return with_parent_patches(inventory)


def _inventory(
    shown: str,
    files: dict[str, TreeFile],
    kustomizations: dict[str, Kustomization],
    manifests: list[Manifest],
    parsed: dict[str, list[YamlDocument]],
) -> Inventory:
    flux_group = "kustomize.toolkit.fluxcd.io"
    return Inventory(
        shown,
        files,
        kustomizations,
        tuple(manifests),
        tuple(_workload(m) for m in manifests if m.kind in WORKLOAD_KINDS),
        tuple(helm.releases(manifests, kustomizations, parsed)),
        tuple(_pvc(m) for m in manifests if m.kind == "PersistentVolumeClaim"),
        tuple(
            flux_kustomization(m)
            for m in manifests
            if m.kind == "Kustomization" and m.group == flux_group
        ),
    )
