"""Which Flux Kustomization applies a file of the tree (its app), and with which substitutions.

A Flux ``Kustomization`` builds ``spec.path`` (relative to the repository root, the output
root here) plus its ``spec.components`` (relative to that path), then replaces ``${VAR}``
with ``postBuild.substitute`` (``${VAR:=default}``/``${VAR:-default}`` give a default). A
Component shared by many apps (a VolSync template naming its PVC ``${APP}-data``) becomes
one object per Kustomization that adds it. Used to say which app an item of the tree
belongs to (:mod:`compiler.tree.census`).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from functools import cached_property

from msgspec import Struct, field

from compiler.core.data import mapping_at
from compiler.tree.fluxreach import flux_build, normal, own_kustomizations
from compiler.tree.inventory import Inventory, UnknownBuild
from compiler.tree.records import FluxKustomization

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[=-])([^}]*))?\}")


def substitute(text: str, variables: Mapping[str, str]) -> str | None:
    """``text`` with Flux's post-build substitution; None when a variable stays unknown."""
    unknown = False

    def value(match: re.Match[str]) -> str:
        nonlocal unknown
        name, operator, default = match.group(1), match.group(2), match.group(3)
        found = variables.get(name)
        if found is not None and (found or not (operator or "").startswith(":")):
            return found
        if operator is not None:
            return default or ""
        unknown = True
        return match.group(0)

    result = _VARIABLE.sub(value, text)
    return None if unknown else result


def _folder(path: str) -> str:
    normal = posixpath.normpath(path.removeprefix("./")) if path else "."
    return "" if normal == "." else normal


def target_namespace(flux: FluxKustomization) -> str:
    return str(mapping_at(flux.manifest.body, "spec").get("targetNamespace") or "")


class FluxIndex(Struct, frozen=True, dict=True):
    """Which Flux Kustomization applies each file: through its path's build, or (a path
    without a kustomization.yaml, where Flux builds every file below it) by folder."""

    builds: Mapping[str, FluxKustomization] = field(default_factory=dict)
    components: Mapping[str, tuple[FluxKustomization, ...]] = field(default_factory=dict)
    by_folder: tuple[FluxKustomization, ...] = ()
    folders: Mapping[str, FluxKustomization] = field(default_factory=dict)
    """Folders of built files: a file there that no build lists (a configMapGenerator's
    file) belongs to the same Kustomization."""
    kustomized: frozenset[str] = frozenset()
    """Folders with a kustomization.yaml."""
    shared: Mapping[str, tuple[FluxKustomization, ...]] = field(default_factory=dict)
    """Files more than one Kustomization builds (several apps from one folder, each with
    its own substitutions): all of them, where ``builds`` keeps the first."""

    def sharing(self, file: str) -> tuple[FluxKustomization, ...]:
        """The Kustomizations that each apply ``file`` with their own substitutions (a
        Component they add, a folder they build): empty when none shares it."""
        return self.components.get(file) or self.shared.get(file) or ()

    def applying(self, file: str) -> FluxKustomization | None:
        """The Kustomization that applies ``file``."""
        found = self.builds.get(file) or self.folders.get(posixpath.dirname(file))
        return found if found is not None else self._by_folder(file)

    def _by_folder(self, file: str) -> FluxKustomization | None:
        """The deepest Kustomization whose path holds ``file``, unless a kustomization.yaml
        below that path makes the file part of an app whose own Kustomization is elsewhere."""
        best = self._deepest_holding(file)
        if best is None:
            return None
        parts = posixpath.dirname(file).split("/")
        folder = _folder(best.path)
        depth = len(folder.split("/")) if folder else 0
        inner = ("/".join(parts[:end]) for end in range(depth + 1, len(parts) + 1))
        return None if any(f in self.kustomized for f in inner) else best

    @cached_property
    def _by_path_folder(self) -> dict[str, FluxKustomization]:
        """``by_folder`` keyed by the folder of its path (the first where two share one)."""
        found: dict[str, FluxKustomization] = {}
        for flux in self.by_folder:
            found.setdefault(_folder(flux.path), flux)
        return found

    def _deepest_holding(self, file: str) -> FluxKustomization | None:
        """The one of ``by_folder`` with the deepest path above ``file`` ('' holds every
        file): a walk up the file's folders, not a scan of every Kustomization."""
        parts = file.split("/")[:-1]
        for end in range(len(parts), -1, -1):
            found = self._by_path_folder.get("/".join(parts[:end]))
            if found is not None:
                return found
        return None


def _files(inventory: Inventory, folder: str) -> tuple[str, ...] | None:
    try:
        return inventory.build_files(folder)
    except UnknownBuild:
        return None


def flux_index(inventory: Inventory) -> FluxIndex:
    """Which Flux Kustomization applies each file of the tree, built once per inventory:
    VolSync's adopted sources ask it per service from the plan, the docs and the rules."""
    return inventory.derived(_flux_index)


def _flux_index(inventory: Inventory) -> FluxIndex:
    builds: dict[str, FluxKustomization] = {}
    built_by: dict[str, list[FluxKustomization]] = {}
    components: dict[str, list[FluxKustomization]] = {}
    by_folder: list[FluxKustomization] = []
    for flux in own_kustomizations(inventory):
        folder = _folder(flux.path)
        files = _files(inventory, folder or ".")
        if files is None:
            by_folder.append(flux)
        for path in files or ():
            builds.setdefault(path, flux)
            built_by.setdefault(path, []).append(flux)
        for component in flux.components:
            added = posixpath.normpath(posixpath.join(folder, component))
            for path in _files(inventory, added) or ():
                components.setdefault(path, []).append(flux)
    frozen = {k: tuple(v) for k, v in components.items()}
    folders = {posixpath.dirname(path): flux for path, flux in reversed(builds.items())}
    kustomized = frozenset(inventory.kustomizations)
    shared = {path: tuple(fluxes) for path, fluxes in built_by.items() if len(fluxes) > 1}
    return FluxIndex(builds, frozen, tuple(by_folder), folders, kustomized, shared)


def as_applied(
    index: FluxIndex, file: str, text: str
) -> Iterator[tuple[FluxKustomization | None, str]]:
    """Each Kustomization applying ``file``, with ``text`` (a name written there) as it
    applies it: a Component's once per Kustomization that adds it (a folder's, once per
    Kustomization that builds it), ``${VAR}`` substituted (kept as written where a
    variable is unknown)."""
    users = index.sharing(file) if "${" in text else None
    for flux in users or (index.applying(file),):
        variables = flux.substitute if flux is not None else {}
        yield flux, substitute(text, variables) or text


def substitutes(flux: FluxKustomization) -> bool:
    """Whether Flux runs its post-build substitution on the Kustomization's objects: only
    when it has some variable, from ``postBuild.substitute`` or ``substituteFrom`` (fluxcd/pkg
    ``kustomize_varsub.go``); otherwise ``$${VAR}`` reaches the cluster as written."""
    return bool(flux.substitute or flux.substitute_from)


def applying_folder(inventory: Inventory, folder: str) -> tuple[FluxKustomization, ...]:
    """The Flux Kustomizations whose build holds the kustomization of ``folder`` (none
    known: an empty tuple), a path without a kustomization.yaml built as Flux generates
    one (:func:`compiler.tree.fluxreach.flux_build`)."""
    return inventory.derived(_by_built_folder).get(folder, ())


def _by_built_folder(inventory: Inventory) -> dict[str, tuple[FluxKustomization, ...]]:
    """Each kustomization folder with the Flux Kustomizations that build it: every path
    built once per inventory, not once per app asking."""
    found: dict[str, list[FluxKustomization]] = {}
    for flux in own_kustomizations(inventory):
        for folder in sorted(flux_build(inventory, normal(flux.path)).folders):
            found.setdefault(folder, []).append(flux)
    return {folder: tuple(fluxes) for folder, fluxes in found.items()}


def applied_as(inventory: Inventory, file: str, written: str, name: str) -> bool:
    """Whether ``written``, a name with a Flux variable in ``file``, is ``name`` once a
    Kustomization applying the file substitutes it."""
    if "${" not in written:
        return False
    return any(known == name for _, known in as_applied(flux_index(inventory), file, written))


def written_name(inventory: Inventory, app_dir: str, kind: str, name: str) -> str:
    """The name the app's build writes its ``kind`` ``name`` (as the cluster knows it)
    under: ``name``, or a name with a Flux variable (``${APP}-data``) that the Kustomization
    applying its file substitutes to ``name``. kustomize matches a patch's target against
    the written name: Flux substitutes after the build."""
    found = inventory.app_kustomization(app_dir)
    try:
        files = inventory.build_files(found[0].folder, f"{app_dir}/backup") if found else ()
    except UnknownBuild:
        return name
    for file in files:
        for manifest in inventory.manifests_in(file):
            if manifest.kind == kind and applied_as(inventory, file, manifest.name, name):
                return manifest.name
    return name
