"""What Flux applies: the build of a Flux Kustomization's path, and what the entry reaches.

kustomize-controller builds ``spec.path`` through its kustomization.yaml. A path without one
gets a generated kustomization (fluxcd/pkg ``kustomize_generator.go``): every YAML file below
it, except that a sub-folder with a kustomization.yaml of its own is taken as one resource
and not descended into. The cluster's entry (the folder ``flux bootstrap --path`` syncs) is
built the same way; each Flux Kustomization a build holds applies its own path in turn.
A path that cannot be followed (a Flux ``${VAR}``, a remote base) is kept as unknown.
"""

from __future__ import annotations

import posixpath
from collections import Counter, deque
from collections.abc import Mapping

from msgspec import Struct, field

from compiler.tree.inventory import Inventory
from compiler.tree.records import FluxKustomization

_YAML = (".yaml", ".yml")
MAX_DEPTH = 40


class Build(Struct):
    """What one build applies: kustomize folders built, files applied, what is unknown."""

    folders: set[str] = field(default_factory=set)
    files: set[str] = field(default_factory=set)
    unknown: set[str] = field(default_factory=set)


class Reach(Struct):
    """Everything the entry leads Flux to apply, and the Flux Kustomizations on the way."""

    folders: set[str] = field(default_factory=set)
    files: set[str] = field(default_factory=set)
    kustomizations: list[FluxKustomization] = field(default_factory=list)
    unknown: set[str] = field(default_factory=set)


def normal(path: str) -> str:
    """A Flux or kustomize path relative to the repository root: ``./a/b`` -> ``a/b``."""
    cleaned = posixpath.normpath(path.strip().lstrip("/") or ".")
    return "." if cleaned in ("", ".") else cleaned


def join(folder: str, entry: str) -> str | None:
    """``entry`` of a kustomization in ``folder``, from the root (None: remote or outside)."""
    if "://" in entry or entry.startswith(("git@", "github.com/")):
        return None
    joined = posixpath.normpath(posixpath.join(folder, entry))
    return None if joined == ".." or joined.startswith(("../", "/")) else joined


def exists(inventory: Inventory, path: str) -> bool:
    """Whether ``path`` is a file or folder of the tree (the root always is)."""
    return (
        path == "."
        or path in inventory.files
        or path in inventory.folders
        or path in inventory.kustomizations
    )


def _kustomize(inventory: Inventory, folder: str, build: Build, depth: int) -> None:
    if folder in build.folders:
        return
    build.folders.add(folder)
    kustomization = inventory.kustomizations[folder]
    if kustomization.error or depth > MAX_DEPTH:
        build.unknown.add(folder)
        return
    for entry in (*kustomization.resources, *kustomization.components):
        target = join(folder, entry)
        if target is not None and target in inventory.kustomizations:
            _kustomize(inventory, target, build, depth + 1)
        elif target is not None and target in inventory.files:
            build.files.add(target)
        else:
            build.unknown.add(target or entry)


def _below_one_of(path: str, folders: set[str]) -> bool:
    """Whether a folder above ``path`` is one of ``folders``: a walk up its own parents,
    so the cost is the path's depth, not the number of folders."""
    parent = path.rpartition("/")[0]
    while parent:
        if parent in folders:
            return True
        parent = parent.rpartition("/")[0]
    return False


def _generated(inventory: Inventory, folder: str, build: Build) -> None:
    """The kustomization Flux generates for a folder that has none."""
    nested = set(inventory.kustomizations_under(folder))
    tops = {k for k in nested if not _below_one_of(k, nested)}
    for top in sorted(tops):
        _kustomize(inventory, top, build, 1)
    for path in inventory.files_under(folder):
        if path.endswith(_YAML) and not _below_one_of(path, tops):
            build.files.add(path)


def flux_build(inventory: Inventory, path: str) -> Build:
    """What Flux applies for ``path`` (a folder, or a single file)."""
    build = Build()
    if path in inventory.kustomizations:
        _kustomize(inventory, path, build, 0)
    elif path in inventory.files:
        build.files.add(path)
    elif exists(inventory, path):
        _generated(inventory, path, build)
    else:
        build.unknown.add(path)
    return build


Placed = list[tuple[int, FluxKustomization]]


def _by_file(inventory: Inventory) -> dict[str, Placed]:
    """Each file's Flux Kustomizations with their place in the inventory."""
    found: dict[str, Placed] = {}
    for number, flux in enumerate(inventory.flux_kustomizations):
        found.setdefault(flux.manifest.file, []).append((number, flux))
    return found


def _in(by_file: Mapping[str, Placed], files: set[str]) -> list[FluxKustomization]:
    """The Flux Kustomizations written in ``files``, in the inventory's order."""
    placed = [one for file in files for one in by_file.get(file, ())]
    placed.sort(key=lambda one: one[0])
    return [flux for _, flux in placed]


def _other_repository(found: FluxKustomization, own: set[tuple[str, str]]) -> bool:
    """Whether ``found`` builds a path of another repository: its source is not the one the
    entry's own Kustomizations use (a GitRepository of an upstream project, often with no
    ``spec.path``, which Flux then takes as that repository's root, not this one's)."""
    return bool(own) and found.source != ("", "") and found.source not in own


def own_kustomizations(inventory: Inventory) -> tuple[FluxKustomization, ...]:
    """The Flux Kustomizations that build paths of this repository: those naming the source
    most of them name, or none. One naming another source builds a path of another
    repository (an upstream project's GitRepository, often with no ``spec.path``: that
    repository's root, not this one's) and applies none of this tree's files."""
    return inventory.derived(_own_kustomizations)


def _own_kustomizations(inventory: Inventory) -> tuple[FluxKustomization, ...]:
    every = inventory.flux_kustomizations
    ranked = Counter(k.source for k in every if k.source != ("", "")).most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return tuple(every)  # no source stands out as this repository's
    own = ranked[0][0]
    return tuple(k for k in every if k.source in (own, ("", "")))


def reach(inventory: Inventory, entry: str) -> Reach:
    """Everything Flux applies from ``entry``, following every Flux Kustomization it meets.
    Linear in the tree: the Kustomizations are looked up by file, and each is taken once."""
    result = Reach()
    by_file, taken, own = _by_file(inventory), set[int](), set[tuple[str, str]]()
    queue, seen = deque([normal(entry)]), set()
    while queue:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        build = flux_build(inventory, path)
        result.folders |= build.folders
        result.files |= build.files
        result.unknown |= build.unknown
        found_here = _in(by_file, build.files)
        if not own:  # the entry's Kustomizations name this repository's source
            own = {k.source for k in found_here if k.source != ("", "")}
        for found in found_here:
            if id(found) in taken or _other_repository(found, own):
                continue
            taken.add(id(found))
            result.kustomizations.append(found)
            if "${" in found.path:
                result.unknown.add(found.path)
            else:
                queue.append(normal(found.path))
    return result


def installer(inventory: Inventory, chart: str) -> FluxKustomization | None:
    """The Flux Kustomization that installs a HelmRelease of ``chart`` (else the one named
    like the chart), None when the tree has none."""
    ordered = sorted(
        own_kustomizations(inventory), key=lambda k: (k.manifest.file, k.manifest.name)
    )
    release_files = {r.manifest.file for r in inventory.helm_releases if r.chart.chart == chart}
    for found in ordered if release_files else ():
        if "${" in found.path:
            continue
        if not release_files.isdisjoint(flux_build(inventory, normal(found.path)).files):
            return found
    return next((k for k in ordered if k.manifest.name == chart), None)
