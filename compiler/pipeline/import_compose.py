"""The tools' imported parts merged into policy documents (plain data, policy format).

Per app with a copy today, a ServicePolicy: its class from the worst effective RPO of its
items (at most 1h critical, at most 24h important, else best-effort), its methods, volumes,
databases, Postgres clusters and the tools' service blocks. Per class and tool, one block:
the one of the most frequent copy; every other block of the class is folded into it, which
only makes copies more frequent, and is reported. Targets and cluster blocks come from the
tools. Nothing here names a tool.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from msgspec import Struct, field

from compiler.pipeline.import_apps import (
    app_dir_of,
    find_workload,
    flux_entry,
    merge_apps,
    shared_output,
    storage_kind,
)
from compiler.tools.importing import (
    AppKey,
    ImportedCopy,
    ImportedPart,
    Note,
    dns_label,
)
from compiler.tree import Inventory
from compiler.tree.census import TreeItem

HOUR, DAY = 3600, 86400
CLASSES = {"critical": ("1h", "4h"), "important": ("24h", "24h"), "best-effort": ("7d", "7d")}
API = "backup-policy/v1alpha1"


class Composed(Struct):
    cluster: dict[str, Any]
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    dropped: frozenset[AppKey] = frozenset()


def worst_rpo(copies: Sequence[ImportedCopy]) -> int | None:
    """The worst, over the items, of each item's best gap among separate copies."""
    best: dict[str, int] = {}
    for copy in copies:
        if copy.separate and copy.gap is not None:
            best[copy.item] = min(best.get(copy.item, copy.gap), copy.gap)
    return max(best.values()) if best else None


def classify(rpo: int | None) -> str:
    if rpo is not None and rpo <= HOUR:
        return "critical"
    return "important" if rpo is not None and rpo <= DAY else "best-effort"


class Composer:
    """Builds the documents; collects what it reports on the way."""

    def __init__(
        self,
        inventory: Inventory,
        parts: Sequence[ImportedPart],
        items: Sequence[TreeItem],
        methods: frozenset[str],
    ) -> None:
        self.inventory, self.parts, self.methods = inventory, parts, methods
        self.apps = merge_apps(parts)
        self.items = items
        self.notes: list[Note] = []
        self.copies: dict[AppKey, list[ImportedCopy]] = defaultdict(list)
        for copy in (c for part in parts for c in part.copies):
            self.copies[copy.app].append(copy)

    def service(self, key: AppKey, copies: list[ImportedCopy]) -> tuple[str, dict[str, Any]]:
        app = self.apps.get(key)
        tools = {c.tool for c in copies}
        claims = {c.item.removeprefix("pvc/") for c in copies if c.item.startswith("pvc/")}
        mine = [i for i in self.items if (i.namespace, i.app) == key and i.name in claims]
        app_dir = app_dir_of(app, mine, key)
        volumes = [dict(v) for v in (app.volumes if app else ())]
        known = {v.get("claim") for v in volumes}
        volumes += [{"name": dns_label(c), "claim": c} for c in sorted(claims - known)]
        workload = (app.workload if app else None) or find_workload(
            self.inventory, key, claims, app_dir
        )
        if workload is None:
            workload = {"kind": "Deployment", "name": key[1]}
            self.notes.append(
                Note(
                    copies[0].file,
                    copies[0].at,
                    f"{key[0]}/{key[1]}: no workload of the app found in the tree; "
                    f"Deployment {key[1]} written, check spec.workload",
                )
            )
        classification = classify(worst_rpo(copies))
        spec: dict[str, Any] = {
            "classification": classification,
            "owner": "imported",
            "storage": storage_kind([i.storage_class for i in mine], tools),
            "appPath": app_dir,
            "methods": sorted(tools & self.methods),
            "workload": dict(workload),
        }
        spec |= {
            k: v
            for k, v in (
                ("volumes", volumes),
                ("sqlite", [dict(s) for s in app.sqlite] if app else []),
            )
            if v
        }
        if app is not None and app.postgres:
            spec["postgres"] = [dict(p) for p in app.postgres]
        spec |= {k: dict(v) for k, v in (app.blocks if app else {}).items()}
        return classification, spec

    def class_blocks(self, chosen: Mapping[AppKey, str]) -> dict[str, dict[str, Any]]:
        """Per class, per tool, the block of the most frequent copy; others reported."""
        blocks: dict[str, dict[str, Any]] = {name: {} for name in CLASSES}
        ranked = sorted(
            (c for key, copies in self.copies.items() if key in chosen for c in copies if c.block),
            key=lambda c: (c.gap if c.gap is not None else 1 << 40, c.file, c.at),
        )
        for copy in ranked:
            taken = blocks[chosen[copy.app]]
            if copy.tool not in self.methods:
                continue
            if copy.tool not in taken:
                taken[copy.tool] = dict(copy.block)
            elif dict(copy.block) != taken[copy.tool]:
                self.fold(copy, chosen[copy.app], taken[copy.tool])
        return blocks

    def fold(self, copy: ImportedCopy, name: str, kept: dict[str, Any]) -> None:
        different = sorted(k for k in {*copy.block, *kept} if copy.block.get(k) != kept.get(k))
        spread = [k for k in different if _spread(kept, k, copy.block.get(k))]
        message = (
            f"{copy.app[0]}/{copy.app[1]} {copy.item}: {copy.tool} settings differ from class "
            f"{name}'s ({', '.join(different)}); the class's are used"
            + (f", {', '.join(spread)} spread with H over the hours seen" if spread else "")
        )
        note = Note(copy.file, copy.at, message)
        if note not in self.notes:
            self.notes.append(note)


def _spread(kept: dict[str, Any], key: str, other: object) -> bool:
    """Two services of a class whose crons differ only in the time of day (K8up's H-spread
    check and prune, each service its own minute) get one hashed cron over the hours seen:
    pinning the class to one service's time would start every service's job at once."""
    mine, theirs = str(kept.get(key, "")).split(), str(other or "").split()
    if len(mine) != 5 or len(theirs) != 5 or mine[2:] != theirs[2:]:
        return False
    hours = [int(h) for h in (mine[1], theirs[1]) if h.isdigit()]
    if mine[1].startswith("H("):
        hours += [int(h) for h in mine[1][2:-1].split("-")]
    if len(hours) < 2 or not (mine[0].isdigit() or mine[0] == "H") or not theirs[0].isdigit():
        return False
    low, high = min(hours), max(hours)
    kept[key] = " ".join(["H", f"H({low}-{high})" if low != high else str(low), *mine[2:]])
    return True


def _classes(
    blocks: Mapping[str, dict[str, Any]], methods: Mapping[str, set[str]]
) -> dict[str, Any]:
    classes: dict[str, Any] = {}
    for name, (rpo, rto) in CLASSES.items():
        classes[name] = {"rpo": rpo, "rto": rto, "methods": sorted(methods.get(name, set()))}
        classes[name] |= blocks[name]
    return classes


def compose(
    inventory: Inventory,
    parts: Sequence[ImportedPart],
    items: Sequence[TreeItem],
    methods: frozenset[str],
    where: tuple[str, str],
) -> Composed:
    """The ClusterPolicy and the ServicePolicies that reproduce the parts' protection
    (``methods``: the tools' method names; ``where``: the policy's name and output root)."""
    name, root = where
    composer = Composer(inventory, parts, items, methods)
    chosen: dict[AppKey, str] = {}
    services: dict[str, dict[str, Any]] = {}
    by_class: dict[str, set[str]] = defaultdict(set)
    specs = {key: composer.service(key, copies) for key, copies in sorted(composer.copies.items())}
    dropped = _shared_folders(specs, composer)
    for key, (classification, spec) in specs.items():
        if key in dropped:
            continue
        chosen[key] = classification
        by_class[classification] |= set(spec["methods"])
        file = f"{key[1]}.yaml" if f"{key[1]}.yaml" not in services else f"{key[0]}-{key[1]}.yaml"
        services[file] = {
            "apiVersion": API,
            "kind": "ServicePolicy",
            "metadata": {"name": key[1], "namespace": key[0]},
            "spec": spec,
        }
    blocks = composer.class_blocks(chosen)
    used = {t for part in parts if part.copies for t in part.targets}
    targets = {k: dict(v) for part in parts for k, v in part.targets.items() if k in used}
    app_dirs = [s["spec"]["appPath"] for s in services.values()]
    entry = flux_entry(inventory, app_dirs)
    tools = sorted({*set().union(*by_class.values()), "dashboard"})
    output: dict[str, Any] = {"root": root}
    if shared := shared_output(inventory, entry, app_dirs, tools):
        output["shared"] = shared
    cluster_spec: dict[str, Any] = {
        "output": output,
        "flux": {"entry": entry},
        "targets": targets,
    }
    cluster_spec |= {k: dict(v) for part in parts for k, v in part.cluster.items()}
    cluster_spec["classes"] = _classes(blocks, by_class)
    cluster = {
        "apiVersion": API,
        "kind": "ClusterPolicy",
        "metadata": {"name": dns_label(name)},
        "spec": cluster_spec,
    }
    return Composed(cluster, services, composer.notes, dropped)


def _shared_folders(
    specs: Mapping[AppKey, tuple[str, dict[str, Any]]], composer: Composer
) -> frozenset[AppKey]:
    """Apps whose folder another app shares (one Flux Kustomization per instance of a
    folder, each with its own substitutions): one backup Component per folder cannot
    serve them, so they are left out and reported."""
    by_folder: dict[str, list[AppKey]] = defaultdict(list)
    for key, (_, spec) in specs.items():
        by_folder[spec["appPath"]].append(key)
    dropped = [keys for keys in by_folder.values() if len(keys) > 1]
    for keys in dropped:
        copy = composer.copies[keys[0]][0]
        names = ", ".join(f"{k[0]}/{k[1]}" for k in keys)
        folder = specs[keys[0]][1]["appPath"]
        message = (
            f"{names} share the folder {folder}: one backup Component per folder cannot "
            "serve them; not imported"
        )
        composer.notes.append(Note(copy.file, copy.at, message))
    return frozenset(k for keys in dropped for k in keys)
