"""The inventory: the output root's hand-written GitOps tree, read once, as one plain value.

Rules and tools ask it questions (which objects does this folder's kustomize build hold?
which HelmRelease runs this app?); nothing after the tree stage opens the user's files.
Tests build an ``Inventory`` directly from records.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from compiler.tree.apptemplate import ChartRender, app_template_render
from compiler.tree.records import (
    FluxKustomization,
    HelmRelease,
    Kustomization,
    Manifest,
    Pvc,
    TreeFile,
    Workload,
)

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
MAX_BUILD_DEPTH = 20
ObjectKey = tuple[str, str]


class UnknownBuild(Exception):
    """The build pulls in something the inventory cannot know (remote, Helm, missing)."""


def _join(folder: str, entry: str) -> str | None:
    """``entry`` of a kustomization in ``folder`` as a root-relative path (None if outside)."""
    if "://" in entry or entry.startswith(("git@", "github.com/")):
        return None
    joined = posixpath.normpath(posixpath.join(folder, entry))
    return None if joined == ".." or joined.startswith("../") or joined.startswith("/") else joined


@dataclass(frozen=True)
class Inventory:
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

    def build_objects(self, folder: str, skip: str = "") -> frozenset[ObjectKey]:
        """(kind, name) of what ``kustomize build folder`` emits, leaving out ``skip``.
        Raises UnknownBuild when that cannot be known from the tree."""
        objects: set[ObjectKey] = set()
        for path in self.build_files(folder, skip):
            objects |= self._objects_in_file(path)
        return frozenset(objects)

    def build_files(self, folder: str, skip: str = "") -> tuple[str, ...]:
        """The files whose objects ``kustomize build folder`` emits, leaving out ``skip``.
        Raises UnknownBuild when that cannot be known from the tree."""
        return tuple(dict.fromkeys(self._build(posixpath.normpath(folder), skip, 0)))

    def _build(self, folder: str, skip: str, depth: int) -> list[str]:
        kustomization = self.kustomization_in(folder)
        if kustomization is None or kustomization.error or kustomization.opaque:
            raise UnknownBuild(folder)
        if depth > MAX_BUILD_DEPTH:
            raise UnknownBuild(folder)
        files: list[str] = []
        for entry in (*kustomization.resources, *kustomization.components):
            target = _join(folder, entry)
            if target is None:
                raise UnknownBuild(entry)
            if target == skip:
                continue
            if target in self.kustomizations:
                files += self._build(target, skip, depth + 1)
            elif target in self.files and self.files[target].text is not None:
                files.append(target)
            else:
                raise UnknownBuild(target)  # kustomize fails loudly on a missing entry
        return files

    def _objects_in_file(self, path: str) -> set[ObjectKey]:
        found = set()
        for manifest in self.manifests_in(path):
            if "${" in manifest.name:
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

    def release_at(self, manifest: Manifest) -> tuple[HelmRelease, ChartRender | None] | None:
        """The HelmRelease record of a manifest and what its chart renders (None: unknown),
        or None when the manifest is no HelmRelease."""
        return self._renders.get((manifest.file, manifest.index))

    def helm_release(self, app_dir: str, name: str) -> HelmRelease | None:
        """The hand-written HelmRelease ``name`` under ``app_dir`` (not in its backup/)."""
        prefix, generated = f"{app_dir}/", f"{app_dir}/backup/"
        for release in self.helm_releases:
            path = release.manifest.file
            mine = path.startswith(prefix) and not path.startswith(generated)
            if mine and release.manifest.name == name:
                return release
        return None
