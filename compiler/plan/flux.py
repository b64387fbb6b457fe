"""The Flux Kustomization (``ks.yaml``) that applies a generated shared folder.

It sits in the folder beside the objects, and the folder's kustomization.yaml does not list
it, so a build of the folder never applies it twice. The user lists it where their Flux
applies their apps (``kubernetes/apps/<namespace>/kustomization.yaml``), like the ``ks.yaml``
of an app; rule BP408 says where when nothing reaches the folder.

- ``sourceRef``: the source most of the tree's Flux Kustomizations use (flux-system's
  GitRepository when there are none); ``path``: the folder, from the repository root.
- ``dependsOn``: the Flux Kustomization that installs the tool's operator (its HelmRelease
  of the operator's chart), when the tree has one: the objects need its CRDs.
- ``postBuild.substitute``: with ``flux.substitution``, one variable of its own, because
  kustomize-controller substitutes only when some variable is set (fluxcd/pkg
  ``kustomize_varsub.go``); without it the escaped ``$${VAR}`` of the objects would stay.
- ``postBuild.substituteFrom``: when a target's endpoint, bucket or region is a Flux
  variable, the ConfigMaps and Secrets most of the tree's Flux Kustomizations substitute
  from. Flux fills a variable only from its own Kustomization's postBuild, and blanks one it
  has no value for: without them a cleanup CronJob or a namespace K8up Schedule would get an
  empty bucket (rule BP412 when the tree has none to copy).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from typing import Any

from compiler.core.data import mapping_at
from compiler.plan.types import ComponentPlan, SharedPlan
from compiler.tree import Inventory
from compiler.tree.fluxapps import applying_folder, substitutes
from compiler.tree.fluxreach import installer

API_VERSION = "kustomize.toolkit.fluxcd.io/v1"
KS_FILE = "ks.yaml"
PREFIX = "backup-policy-"
SUBSTITUTE = "BACKUP_POLICY_FOLDER"
INTERVAL = "1h"
DEFAULT_SOURCE = ("GitRepository", "flux-system", "flux-system")


def source(inventory: Inventory) -> tuple[str, str, str]:
    """(kind, name, namespace) of the source most Flux Kustomizations of the tree use."""
    counted: Counter[tuple[str, str, str]] = Counter()
    for found in inventory.flux_kustomizations:
        ref = mapping_at(found.manifest.body, "spec", "sourceRef")
        kind, name = ref.get("kind"), ref.get("name")
        namespace = ref.get("namespace") or found.manifest.namespace or "flux-system"
        if isinstance(kind, str) and isinstance(name, str) and isinstance(namespace, str):
            counted[(kind, name, namespace)] += 1
    if not counted:
        return DEFAULT_SOURCE
    return min(counted, key=lambda key: (-counted[key], key))


def _entry(found: object) -> tuple[tuple[str, str], ...] | None:
    """One substituteFrom entry as sorted (key, value) pairs (kind, name, optional)."""
    if not isinstance(found, dict):
        return None
    kept = {k: found[k] for k in ("kind", "name", "optional") if k in found}
    if not isinstance(kept.get("kind"), str) or not isinstance(kept.get("name"), str):
        return None
    return tuple(sorted((k, str(v).lower() if k == "optional" else v) for k, v in kept.items()))


def substitute_from(inventory: Inventory) -> list[dict[str, Any]]:
    """The ``postBuild.substituteFrom`` most of the tree's Flux Kustomizations use (empty
    when none has one)."""
    counted: Counter[tuple[tuple[tuple[str, str], ...], ...]] = Counter()
    for found in inventory.flux_kustomizations:
        listed = mapping_at(found.manifest.body, "spec", "postBuild").get("substituteFrom")
        entries = tuple(e for e in map(_entry, listed if isinstance(listed, list) else []) if e)
        if entries:
            counted[entries] += 1
    if not counted:
        return []
    chosen = min(counted, key=lambda key: (-counted[key], key))
    return [{k: (v == "true") if k == "optional" else v for k, v in entry} for entry in chosen]


def name_of(folder: str) -> str:
    """``backup-policy-<folder below kubernetes/apps>``, at most 63 characters."""
    stem = folder.removeprefix("kubernetes/apps/").removeprefix("kubernetes/")
    name = (PREFIX + stem.replace("/", "-").replace(".", "-").replace("_", "-")).lower()
    if len(name) <= 63:
        return name
    digest = hashlib.sha256(folder.encode()).hexdigest()[:8]
    return f"{name[:54].rstrip('-')}-{digest}"


def depends_on(inventory: Inventory, operators: tuple[str, ...]) -> list[dict[str, str]]:
    """The Flux Kustomizations installing the operators, as ``dependsOn`` entries."""
    found: list[dict[str, str]] = []
    for chart in operators:
        flux = installer(inventory, chart)
        if flux is None:
            continue
        entry = {"name": flux.manifest.name}
        if flux.manifest.namespace:
            entry["namespace"] = flux.manifest.namespace
        if entry not in found:
            found.append(entry)
    return found


def flux_kustomization(
    inventory: Inventory,
    folder: str,
    operators: tuple[str, ...],
    substitution: bool,
    sources: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The ks.yaml of ``folder``; ``sources``: the substituteFrom its variables need."""
    kind, name, namespace = source(inventory)
    spec: dict[str, Any] = {
        "interval": INTERVAL,
        "path": f"./{folder}",
        "prune": True,
        "sourceRef": {"kind": kind, "name": name, "namespace": namespace},
    }
    dependencies = depends_on(inventory, operators)
    if dependencies:
        spec["dependsOn"] = dependencies
    if substitution:
        spec["postBuild"] = {"substitute": {SUBSTITUTE: folder}}
        if sources:
            spec["postBuild"]["substituteFrom"] = sources
    return {
        "apiVersion": API_VERSION,
        "kind": "Kustomization",
        "metadata": {"name": name_of(folder), "namespace": namespace},
        "spec": spec,
    }


def unsubstituted(
    inventory: Inventory, components: Sequence[ComponentPlan], shared: Sequence[SharedPlan]
) -> tuple[str, ...]:
    """The generated folders Flux applies without post-build substitution: every Flux
    Kustomization applying them has no variable, so ``$${VAR}`` would reach the cluster as
    written (a shell's PID and ``{VAR}``; Litestream reads an empty value and ``{VAR}``).
    Their runtime ``${VAR}`` are written as they are. A folder no known Kustomization
    applies, and a shared folder with its own ks.yaml, follow ``flux.substitution``."""
    folders = [
        (component.folder, _app_build(inventory, component.app_dir)) for component in components
    ]
    folders += [(s.folder, s.folder) for s in shared if not s.flux_file]
    found = []
    for folder, built in folders:
        fluxes = applying_folder(inventory, built)
        if fluxes and not all(substitutes(flux) for flux in fluxes):
            found.append(folder)
    return tuple(sorted(found))


def _app_build(inventory: Inventory, app_dir: str) -> str:
    """The folder of the app's kustomization (which lists its backup Component)."""
    located = inventory.app_kustomization(app_dir)
    return located[0].folder if located is not None else app_dir
