"""Import of existing Litestream configs and sidecars (in manifests or app-template values).

Per database of a hand-written config: its path, the volume that holds it (from the app's
mounts), each S3 replica as a target with the replica path kept (``replicaPath``), and the
intervals; the version comes from the image the app's own Litestream container runs. The
cluster's ``litestream:`` block takes the most common version and the first target; an app
running another version gets a service override.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Mapping
from typing import Any

from msgspec.structs import replace

from compiler.core.durations import parse_duration
from compiler.tools.importing import (
    AppKey,
    ImportedApp,
    ImportedCopy,
    ImportedPart,
    Note,
    dns_label,
    go_duration,
    place_of,
    s3_target,
)
from compiler.tools.litestream.existing import committed_version, hand_wired, version_of
from compiler.tools.litestream.imported_configs import (
    DEFAULT_PORT,
    Replica,
    cleanup_jobs,
    generated_databases,
    key_names,
    metrics_port,
    replicas,
)
from compiler.tools.litestream.mounts import Mount, app_mounts, holding
from compiler.tree import Inventory
from compiler.tree.fluxapps import flux_index
from compiler.tree.replicated import ReplicatedDatabase, replicated_databases

INTERVALS = (("sync-interval", "syncInterval"), ("snapshot-interval", "snapshotInterval"))
DEFAULTS = {"sync-interval": "1s", "snapshot-interval": "24h"}  # Litestream's own defaults


def _version(inventory: Inventory, app_dir: str) -> str | None:
    """The version the app's own Litestream containers run, else the one an earlier
    compile wrote its config for (the compiled tree's sidecar runs that one)."""
    versions = {version_of(c.tag) for c in hand_wired(inventory, app_dir)}
    versions.discard(None)
    if versions:
        return sorted(v for v in versions if v)[-1]
    return committed_version(inventory, app_dir)


class _App:
    """One app's configs: its databases, volumes, targets and notes."""

    def __init__(
        self, inventory: Inventory, app_dir: str, dbs: list[ReplicatedDatabase], key: AppKey
    ) -> None:
        self.inventory, self.app_dir, self.dbs, self.key = inventory, app_dir, dbs, key
        self.mounts = app_mounts(inventory, app_dir)
        self.version = _version(inventory, app_dir)
        self.secret = f"{self.key[1]}-litestream"
        self.targets: dict[str, dict[str, Any]] = {}
        self.notes: list[Note] = []
        self.settings: list[Mapping[str, Any]] = []
        self.port: int | None = None

    def target(self, replica: Replica, at: ReplicatedDatabase) -> str:
        name = dns_label("litestream", replica.bucket)
        keys = key_names(self.inventory, self.app_dir)
        if keys is None:
            self.notes.append(
                Note(
                    at.file,
                    at.at,
                    f"{replica.db}: the S3 credentials' key names are not in the app's "
                    "files; AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY written",
                )
            )
            keys = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
        endpoint = replica.endpoint or f"https://s3.{replica.region or 'us-east-1'}.amazonaws.com"
        secret = {"name": self.secret, "accessKeyIdKey": keys[0], "secretAccessKeyKey": keys[1]}
        self.targets[name] = s3_target(endpoint, replica.bucket, replica.region, secret)
        return name

    def database(self, at: ReplicatedDatabase) -> tuple[dict[str, Any], Mount] | None:
        mount = holding(self.mounts, at.path)
        found = [r for r in replicas(self.inventory, at.file) if r.db == at.path]
        runtime = [r for r in found if "${" in r.endpoint + r.bucket]
        if mount is None or not found or runtime:
            why = "no volume of the app mounts it" if mount is None else "no S3 replica"
            if runtime:
                why = (
                    f"its replica's endpoint/bucket ({runtime[0].endpoint or '-'}, "
                    f"{runtime[0].bucket}) are set at run time; add the target by hand"
                )
            self.notes.append(Note(at.file, at.at, f"sqlite {at.path}: {why}; not imported"))
            return None
        targets = list(dict.fromkeys(self.target(r, at) for r in found))
        entry: dict[str, Any] = {"path": at.path, "volume": mount.volume, "targets": targets}
        paths = {r.path for r in found}
        if len(paths) > 1:
            self.notes.append(
                Note(
                    at.file,
                    at.at,
                    f"sqlite {at.path}: replicas at {sorted(paths)}; the first path is kept",
                )
            )
        if found[0].path:
            entry["replicaPath"] = found[0].path
        self.settings += [r.settings for r in found]
        self.port = self.port or metrics_port(self.inventory, at.file)
        return entry, mount


def _volume(mount: Mount) -> dict[str, Any]:
    if mount.empty_dir:
        return {"name": mount.volume, "emptyDir": True, "mountPath": mount.path}
    return {"name": mount.volume, "claim": mount.claim, "mountPath": mount.path}


def _gap(settings: list[Mapping[str, Any]]) -> int:
    found = [
        go_duration(str(s.get("sync-interval") or DEFAULTS["sync-interval"])) for s in settings
    ]
    return max((parse_duration(g) for g in found if g), default=1)


def _import_app(app: _App) -> tuple[ImportedApp | None, list[ImportedCopy]]:
    entries = [(db, app.database(db)) for db in app.dbs]
    found = [(db, e) for db, e in entries if e is not None]
    if not found:
        return None, []
    mounts = list({e[1].volume: e[1] for _, e in found}.values())
    owner = mounts[0].workload
    workload = {"kind": owner[0], "name": owner[1]} if owner[0] else None
    gap = _gap(app.settings)
    copies = [
        ImportedCopy(
            "litestream", "litestream", app.key, f"sqlite:{db.path}", gap, True, {}, db.file, db.at
        )
        for db, _ in found
    ]
    override: dict[str, Any] = {"version": app.version} if app.version else {}
    if app.port is not None and app.port != DEFAULT_PORT:
        override["metricsPort"] = app.port
    blocks = {"litestream": override} if override else {}
    imported = ImportedApp(
        app.key,
        app.app_dir,
        tuple(e[0] for _, e in found),
        tuple(_volume(m) for m in mounts),
        blocks=blocks,
        workload=workload,
    )
    return imported, copies


def _hand_wired_note(app: _App) -> list[Note]:
    """The hand-wired containers the written policy takes over: BP375 refuses the compile
    until they are gone, so that one Litestream replicates the database at a time."""
    wired = hand_wired(app.inventory, app.app_dir)
    if not wired:
        return []
    names = ", ".join(c.where for c in wired)
    message = (
        f"{wired[0].owner} runs Litestream by hand ({names}): the policy keeps its version "
        f"and replica path; remove them from {wired[0].file} (and the config they mount) "
        "in the change that runs `compile --fix` (BP375 refuses it until then)"
    )
    return [Note(app.dbs[0].file, app.dbs[0].at, message)]


def _cluster(apps: list[_App], targets: dict[str, Any]) -> dict[str, Any]:
    settings = [s for app in apps for s in app.settings]
    block: dict[str, Any] = {"targets": sorted(targets)[:1]}
    versions = Counter(app.version for app in apps if app.version)
    if versions:
        block["version"] = versions.most_common(1)[0][0]
    for raw, key in INTERVALS:
        values = [go_duration(str(s.get(raw) or DEFAULTS[raw])) for s in settings]
        known = sorted((parse_duration(v), v) for v in values if v)
        if known:
            block[key] = known[0][1]  # the most frequent: equal or better for every DB
    return {"litestream": block}


def _namespace(inventory: Inventory, app_dir: str) -> str:
    """The namespace the app's own HelmRelease or workload names ('' when none does)."""
    records = [r.manifest for r in inventory.helm_releases]
    records += [w.manifest for w in inventory.workloads]
    for manifest in records:
        if manifest.file.startswith(f"{app_dir}/") and manifest.namespace:
            return str(manifest.namespace)
    return ""


def import_existing(inventory: Inventory) -> ImportedPart:
    """Every database the tree's own Litestream configs replicate."""
    by_app: dict[str, list[ReplicatedDatabase]] = {}
    for db in (*replicated_databases(inventory), *generated_databases(inventory)):
        folder = posixpath.dirname(db.file)
        while posixpath.basename(folder) in ("app", "backup"):
            folder = posixpath.dirname(folder)
        known = by_app.setdefault(folder, [])
        if all(db.path != other.path for other in known):  # the hand-written config first
            known.append(db)
    index = flux_index(inventory)
    apps = [
        _App(inventory, app_dir, dbs, place_of(index, dbs[0].file, _namespace(inventory, app_dir)))
        for app_dir, dbs in sorted(by_app.items())
    ]
    imported, copies, targets, notes = [], [], {}, []
    for app in apps:
        made, found = _import_app(app)
        imported += [made] if made is not None else []
        copies += found
        targets.update(app.targets)
        notes += app.notes
        notes += _hand_wired_note(app) if made is not None else []
        if made is not None and app.version is None:
            notes.append(
                Note(
                    app.dbs[0].file,
                    app.dbs[0].at,
                    "no Litestream container of the app names its version: the cluster's is used",
                )
            )
    cluster = _cluster([a for a in apps if a.settings], targets) if targets else {}
    version = cluster.get("litestream", {}).get("version")
    imported = [_without_version(app, version) for app in imported]
    reported = tuple(cleanup_jobs(inventory))
    return ImportedPart(tuple(copies), tuple(imported), targets, cluster, tuple(notes), reported)


def _without_version(app: ImportedApp, version: str | None) -> ImportedApp:
    """``app`` without a ``litestream.version`` equal to the cluster's: only an app that
    runs another version gets an override."""
    block = dict(app.blocks.get("litestream", {}))
    if block.get("version") != version:
        return app
    del block["version"]
    blocks = {key: value for key, value in app.blocks.items() if key != "litestream"}
    return replace(app, blocks={**blocks, "litestream": block} if block else blocks)
