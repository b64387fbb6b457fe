"""The inventory: the output root's hand-written GitOps tree, read once, as one plain value.

Rules and tools ask it questions (which objects does this folder's kustomize build hold?
which HelmRelease runs this app?); nothing after the tree stage opens the user's files.
Tests build an ``Inventory`` directly from records.
"""

from __future__ import annotations

import bisect
import posixpath
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any, TypeVar, cast

from msgspec import Struct, field

from compiler.tree.apptemplate import ChartRender, app_template_render
from compiler.tree.nodes import Parse, Parsed, YamlDocument, read_documents
from compiler.tree.records import (
    FluxKustomization,
    HelmRelease,
    Kustomization,
    KustomizePatch,
    Manifest,
    Pvc,
    TreeFile,
    Workload,
)

MAX_BUILD_DEPTH = 20
ObjectKey = tuple[str, str]
ScopedPatch = tuple[KustomizePatch, frozenset[str]]
"""A kustomize patch and the files whose objects it reaches."""
_Record = TypeVar("_Record", Workload, HelmRelease)
_Derived = TypeVar("_Derived")


class UnknownBuild(Exception):
    """The build pulls in something the inventory cannot know (remote, Helm, missing)."""


def _join(folder: str, entry: str) -> str | None:
    """``entry`` of a kustomization in ``folder`` as a root-relative path (None if outside)."""
    if "://" in entry or entry.startswith(("git@", "github.com/")):
        return None
    joined = posixpath.normpath(posixpath.join(folder, entry))
    return None if joined == ".." or joined.startswith("../") or joined.startswith("/") else joined


def _below(ordered: tuple[str, ...], folder: str) -> tuple[str, ...]:
    """The paths of ``ordered`` (sorted) below ``folder``: one contiguous run of it."""
    if folder == ".":
        return tuple(p for p in ordered if p != ".")
    prefix = f"{folder}/"
    start = bisect.bisect_left(ordered, prefix)
    end = bisect.bisect_left(ordered, f"{folder}0")  # "0" sorts right after "/"
    return ordered[start:end]


def _placed_by_file(records: tuple[_Record, ...]) -> dict[str, list[tuple[int, _Record]]]:
    """Each file's records with their place in ``records``."""
    found: dict[str, list[tuple[int, _Record]]] = {}
    for number, record in enumerate(records):
        found.setdefault(record.manifest.file, []).append((number, record))
    return found


def _in_order(
    by_file: Mapping[str, list[tuple[int, _Record]]], files: tuple[str, ...]
) -> list[_Record]:
    """The records of ``files``, in the inventory's order (what a scan of it would give)."""
    picked = [placed for file in files for placed in by_file.get(file, ())]
    picked.sort(key=lambda placed: placed[0])
    return [record for _, record in picked]


class Inventory(Struct, frozen=True, dict=True):
    """Everything read from the tree under the output root (shown as ``root``)."""

    root: str = "."
    files: Mapping[str, TreeFile] = field(default_factory=dict)
    kustomizations: Mapping[str, Kustomization] = field(default_factory=dict)
    manifests: tuple[Manifest, ...] = ()
    workloads: tuple[Workload, ...] = ()
    helm_releases: tuple[HelmRelease, ...] = ()
    pvcs: tuple[Pvc, ...] = ()
    flux_kustomizations: tuple[FluxKustomization, ...] = ()
    folders: frozenset[str] = frozenset()
    links: frozenset[str] = frozenset()
    """Symbolic links under the root (folders and files): never read through or written to."""
    parsed: Mapping[str, list[YamlDocument]] = field(default_factory=dict)
    """The documents of the hand-written files the tree stage parsed (data of ``files``)."""
    parse: Parse = read_documents
    """How a file's text becomes documents (:mod:`compiler.tree.parse_cache` keeps them
    between runs)."""

    @cached_property
    def _derived(self) -> dict[Callable[..., Any], Any]:
        return {}

    @cached_property
    def _documents(self) -> dict[str, Parsed]:
        return {}

    def derived(self, make: Callable[[Inventory], _Derived]) -> _Derived:
        """``make(self)``, built once per inventory: an index another module keeps over the
        tree (the inventory cannot import it), asked for by every service and rule."""
        if make not in self._derived:
            self._derived[make] = make(self)
        return cast(_Derived, self._derived[make])

    def shown(self, path: str) -> str:
        """A tree path as messages show it (``out/kubernetes/...``)."""
        return path if self.root in ("", ".") else f"{self.root}/{path}"

    # -- files ---------------------------------------------------------------------------

    def through_link(self, path: str) -> str:
        """The symbolic link ``path`` is or passes through ('' when none)."""
        parts = path.split("/")
        for end in range(1, len(parts) + 1):
            prefix = "/".join(parts[:end])
            if prefix in self.links:
                return prefix
        return ""

    def documents(self, path: str) -> Parsed:
        """The documents of the file at ``path`` ([] for none, or a file without text),
        parsed once per inventory: rules ask for the same generated configs per service."""
        if path in self.parsed:
            return self.parsed[path]
        if path not in self._documents:
            found = self.files.get(path)
            text = found.text if found is not None else None
            self._documents[path] = self.parse(text) if text is not None else []
        return self._documents[path]

    def generated_text(self, path: str) -> str | None:
        found = self.files.get(path)
        return found.text if found is not None and found.generated else None

    def is_handwritten(self, path: str) -> bool:
        """Whether something the compiler did not write is at ``path`` (a file or a folder)."""
        found = self.files.get(path)
        return (found is not None and not found.generated) or path in self.folders

    @cached_property
    def generated_paths(self) -> tuple[str, ...]:
        return tuple(sorted(p for p, f in self.files.items() if f.generated))

    # Sorted once, so that what lies below a folder is one slice (a bisection), not a scan
    # of the whole tree per app: per-app questions stay linear in the size of the tree.
    @cached_property
    def _sorted_files(self) -> tuple[str, ...]:
        return tuple(sorted(self.files))

    @cached_property
    def _sorted_kustomizations(self) -> tuple[str, ...]:
        return tuple(sorted(self.kustomizations))

    def files_under(self, folder: str) -> tuple[str, ...]:
        """The files below ``folder`` (every file for ``.``), sorted."""
        return _below(self._sorted_files, folder)

    def kustomizations_under(self, folder: str) -> tuple[str, ...]:
        """The folders with a kustomization below ``folder`` (not ``folder`` itself), sorted."""
        return _below(self._sorted_kustomizations, folder)

    @cached_property
    def _workloads_by_file(self) -> dict[str, list[tuple[int, Workload]]]:
        return _placed_by_file(self.workloads)

    @cached_property
    def _releases_by_file(self) -> dict[str, list[tuple[int, HelmRelease]]]:
        return _placed_by_file(self.helm_releases)

    def workloads_under(self, folder: str) -> list[Workload]:
        """The workloads written below ``folder``, in the inventory's order."""
        return _in_order(self._workloads_by_file, self.files_under(folder))

    def helm_releases_under(self, folder: str) -> list[HelmRelease]:
        """The HelmReleases written below ``folder``, in the inventory's order."""
        return _in_order(self._releases_by_file, self.files_under(folder))

    @cached_property
    def _by_file(self) -> dict[str, list[Manifest]]:
        found: dict[str, list[Manifest]] = {}
        for manifest in self.manifests:
            found.setdefault(manifest.file, []).append(manifest)
        return found

    def manifests_in(self, path: str) -> list[Manifest]:
        return self._by_file.get(path, [])

    # -- kustomize -------------------------------------------------------------------------

    def kustomization_in(self, folder: str) -> Kustomization | None:
        return self.kustomizations.get(posixpath.normpath(folder))

    def app_kustomization(self, app_dir: str) -> tuple[Kustomization, str] | None:
        """The app's kustomization and the Component path relative to it: ``<app>/`` or
        the flux-template layout ``<app>/app/``."""
        for folder, component in ((app_dir, "./backup"), (f"{app_dir}/app", "../backup")):
            found = self.kustomization_in(folder)
            if found is not None:
                return found, component
        return None

    def build_objects(
        self, folder: str, skip: str = "", *, written: bool = False
    ) -> frozenset[ObjectKey]:
        """(kind, name) of what ``kustomize build folder`` emits, leaving out ``skip``.
        Raises UnknownBuild when that cannot be known from the tree, or when the build
        fails (a file that is not YAML, as a file that is not UTF-8 is not read at all).
        A name written with a Flux variable (``${APP}-data``) is the cluster's only once
        Flux substitutes it: unknown, unless ``written`` asks for the names as kustomize
        itself sees them (what a patch's target must match)."""
        objects: set[ObjectKey] = set()
        for path in self.build_files(folder, skip):
            if self.files[path].error:  # not YAML: kustomize fails on it, loudly
                raise UnknownBuild(path)
            objects |= self._objects_in_file(path, written)
        return frozenset(objects)

    def build_files(self, folder: str, skip: str = "") -> tuple[str, ...]:
        """The files whose objects ``kustomize build folder`` emits, leaving out ``skip``.
        Raises UnknownBuild when that cannot be known from the tree."""
        return tuple(dict.fromkeys(self._build(posixpath.normpath(folder), skip, 0)))

    def build_patches(self, folder: str, skip: str = "") -> tuple[ScopedPatch, ...]:
        """Every kustomize patch of ``kustomize build folder`` (leaving out ``skip``) in the
        order kustomize applies them, each with the files whose objects it reaches: a
        kustomization's own patches reach all it gathered (resources, nested builds,
        Components) and come after its Components', which reach what it gathered before
        them. Raises UnknownBuild like :meth:`build_files`."""
        patches: list[ScopedPatch] = []
        self._build(posixpath.normpath(folder), skip, 0, None, patches)
        return tuple(patches)

    def _build(
        self,
        folder: str,
        skip: str,
        depth: int,
        into: list[str] | None = None,
        patches: list[ScopedPatch] | None = None,
    ) -> list[str]:
        """The files a kustomization gathers. ``into``: for a Component, what the
        kustomization adding it gathered so far (its files go there, its patches reach them
        all); ``patches`` receives the patches with their reach."""
        kustomization = self.kustomization_in(folder)
        if kustomization is None or kustomization.error or kustomization.opaque:
            raise UnknownBuild(folder)
        if depth > MAX_BUILD_DEPTH:
            raise UnknownBuild(folder)
        files = into if into is not None else []
        entries = [(e, False) for e in kustomization.resources]
        for entry, component in entries + [(e, True) for e in kustomization.components]:
            target = _join(folder, entry)
            if target is None:
                raise UnknownBuild(entry)
            if target == skip:
                continue
            if target in self.kustomizations:
                inner = files if component else None
                found = self._build(target, skip, depth + 1, inner, patches)
                files += [] if component else found
            elif target in self.files and self.files[target].text is not None:
                files.append(target)
            else:
                raise UnknownBuild(target)  # kustomize fails loudly on a missing entry
        if patches is not None:
            patches += [(patch, frozenset(files)) for patch in kustomization.patches]
        return files

    def _objects_in_file(self, path: str, written: bool) -> set[ObjectKey]:
        found = set()
        for manifest in self.manifests_in(path):
            if "${" in manifest.name and not written:
                raise UnknownBuild(path)  # a Flux substitution decides the name
            found.add((manifest.kind, manifest.name))
        return found

    # -- objects ---------------------------------------------------------------------------

    @cached_property
    def _renders(self) -> dict[tuple[str, int], tuple[HelmRelease, ChartRender | None]]:
        return {
            (r.manifest.file, r.manifest.index): (r, app_template_render(r))
            for r in self.helm_releases
        }

    def release_as_written(
        self, manifest: Manifest
    ) -> tuple[HelmRelease, ChartRender | None] | None:
        """The HelmRelease record of a manifest and what its chart renders (None: unknown),
        or None when the manifest is no HelmRelease; its name and values as written, before
        Flux substitutes them (:func:`compiler.tree.fluxreleases.release_at`)."""
        return self._renders.get((manifest.file, manifest.index))
