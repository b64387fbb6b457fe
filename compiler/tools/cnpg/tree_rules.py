"""Tree rules of CloudNativePG: hand-written ScheduledBackups, and what the user's Cluster
already says about WAL archiving."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from compiler.core import cron
from compiler.core.data import mapping_at
from compiler.core.diagnostics import Diagnostic
from compiler.core.durations import humanize
from compiler.rules import TreeContext, tree_rule
from compiler.tools.cnpg.cron6 import as_five_fields, is_five_fields, to_robfig
from compiler.tools.cnpg.names import CNPG_GROUP, PLUGIN, item_key, object_name, seed
from compiler.tools.cnpg.patch import has_own_entry
from compiler.tools.cnpg.resolve import (
    Postgres,
    all_clusters,
    cluster_manifest,
    scheduled_backups,
)
from compiler.tree import Manifest


def _runs_like(spec: str) -> str:
    five = as_five_fields(spec)
    try:
        every = humanize(cron.max_gap_seconds(five)) if five else ""
    except cron.CronError:
        return "robfig/cron refuses it"
    return f"robfig/cron runs it like {five!r}, at most {every} apart"


@tree_rule(
    "BP390",
    "cnpg-schedule-five-fields",
    "error",
    passing='kind: ScheduledBackup\nspec: {schedule: "0 30 2 * * *"}  # 02:30:00 daily',
    failing='kind: ScheduledBackup\nspec: {schedule: "30 2 * * *"}  # hourly, at :02:30',
)
def schedule_five_fields(context: TreeContext) -> Iterator[Diagnostic]:
    """A hand-written ScheduledBackup's schedule has six fields, seconds first.

    CloudNativePG parses it with robfig/cron v1, whose optional sixth field is the day of
    week: a Kubernetes-style ``30 2 * * *`` is read as second 30 of minute 2 of every hour,
    so "daily at 02:30" becomes hourly backups (the webhook only warns). Write
    ``0 30 2 * * *``.
    """
    for manifest in context.inventory.manifests:
        if manifest.kind != "ScheduledBackup" or manifest.group != CNPG_GROUP:
            continue
        spec = mapping_at(manifest.body, "spec").get("schedule")
        if not isinstance(spec, str) or not is_five_fields(spec):
            continue
        line, col = manifest.at
        yield schedule_five_fields.diagnostic(
            context.inventory.shown(manifest.file),
            line,
            col,
            f"ScheduledBackup {manifest.name!r} has the five-field schedule {spec!r}: "
            f"CloudNativePG reads the first field as seconds, and {_runs_like(spec)}",
            f"write six fields, seconds first: '0 {' '.join(spec.split())}'",
        )


def _walarchivers(body: Mapping[str, Any]) -> list[str]:
    """Names of the enabled plugins the Cluster marks as its WAL archiver."""
    plugins = mapping_at(body, "spec").get("plugins")
    entries = [p for p in plugins if isinstance(p, Mapping)] if isinstance(plugins, list) else []
    return [
        str(p.get("name"))
        for p in entries
        if p.get("isWALArchiver") is True and p.get("enabled") is not False
    ]


def _conflict(pg: Postgres, manifest: Manifest) -> str:
    """What in the user's Cluster the generated patch would clash with ('' if nothing)."""
    body, name = manifest.body, manifest.name
    in_tree = bool(mapping_at(body, "spec", "backup").get("barmanObjectStore"))
    archivers = [] if has_own_entry(pg, body) else _walarchivers(body)
    if pg.settings.method == "plugin" and in_tree:
        return (
            f"Cluster {name!r} has spec.backup.barmanObjectStore: CloudNativePG refuses a WAL "
            "archiver plugin beside it"
        )
    if pg.settings.method == "plugin" and archivers:
        return (
            f"Cluster {name!r} already has the WAL archiver plugin {archivers[0]!r}: the "
            f"generated {PLUGIN} entry would be a second one, which CloudNativePG refuses"
        )
    if pg.settings.method == "barmanObjectStore" and archivers:
        return (
            f"Cluster {name!r} has the WAL archiver plugin {archivers[0]!r}: CloudNativePG "
            "refuses it beside the generated spec.backup.barmanObjectStore"
        )
    return ""


def _hint(manifest: Manifest | None) -> str:
    """Name the Cluster's own ObjectStore when it archives to one through the plugin."""
    plugins = mapping_at(manifest.body if manifest else {}, "spec").get("plugins")
    stores = [
        mapping_at(p, "parameters").get("barmanObjectName")
        for p in (plugins if isinstance(plugins, list) else [])
        if isinstance(p, Mapping) and p.get("name") == PLUGIN
    ]
    remove = (
        "remove the hand-written archiving from the Cluster: the backup Component configures it"
    )
    named = next((s for s in stores if isinstance(s, str) and s), None)
    if named is None:
        return remove
    return (
        f"write objectStore: {named} in the policy's postgres entry to adopt its ObjectStore, "
        f"or {remove}"
    )


@tree_rule(
    "BP394",
    "cnpg-wal-archiver-conflict",
    "error",
    passing="# cluster.yaml: a Cluster without backup.barmanObjectStore or plugins",
    failing="# cluster.yaml: spec.backup.barmanObjectStore set, the class uses the plugin",
)
def wal_archiver_conflict(context: TreeContext) -> Iterator[Diagnostic]:
    """The user's Cluster leaves WAL archiving to the Component.

    CloudNativePG accepts one WAL archiver: no plugin beside ``spec.backup.barmanObjectStore``
    and at most one plugin with ``isWALArchiver``. A Cluster that configures archiving by
    hand would be refused once patched: remove that part, the Component adds it. A Cluster
    whose entry is already the one the Component would add (same ObjectStore, the generated
    ``<cluster>-backup`` or the one the policy entry's ``objectStore`` adopts, and
    ``serverName``) is adopted: the patch leaves it as it is. A Cluster that archives to an
    ObjectStore of its own tree keeps it when the entry names it in ``objectStore``.
    """
    for pg in all_clusters(context.analysis.scope):
        manifest = cluster_manifest(context.inventory, pg.service.app_dir, pg.cluster)
        problem = _conflict(pg, manifest) if manifest is not None else ""
        if problem:
            yield wal_archiver_conflict.at(
                pg.service.source.doc,
                (*pg.path, "cluster"),
                f"{problem} ({context.inventory.shown(manifest.file) if manifest else ''})",
                _hint(manifest),
            )


def _twice_hint(pg: Postgres, backup: Manifest, ours: str) -> str:
    """Deleting it is the fix; its times survive only as the class's schedule (which the
    import takes from it), so that is offered unless the class already runs at them."""
    five = as_five_fields(str(mapping_at(backup.body, "spec").get("schedule", "")))
    delete = "delete the hand-written ScheduledBackup (the generated one replaces it"
    if five is not None and five == as_five_fields(ours):
        return f"{delete}, at the same times)"
    times = repr(five) if five else "its times"
    return (
        f"{delete}), or, if its times matter, first set class "
        f"{pg.service.classification}'s cnpg schedule to {times}"
    )


@tree_rule(
    "BP399",
    "cnpg-scheduled-backup-twice",
    "warning",
    passing="postgres: [{cluster: db}]  # and no hand-written ScheduledBackup of db",
    failing="postgres: [{cluster: db}]  # scheduled-backup.yaml: spec.cluster.name: db",
)
def scheduled_backup_twice(context: TreeContext) -> Iterator[Diagnostic]:
    """A cluster's base backups are scheduled once, by the generated ScheduledBackup.

    The Component adds a ScheduledBackup ``<cluster>-backup`` for every cluster of a
    ``postgres:`` entry. A hand-written ScheduledBackup of the same cluster (its
    ``spec.cluster.name``, in the app's folder) keeps running beside it: every base backup
    is taken twice, which doubles their storage and the load on the database, and the two
    schedules compete. Nothing is lost (the ObjectStore's retention applies to both), but
    the hand-written one is redundant once the Component is applied: ``import`` takes its
    schedule into the class's ``cnpg`` block.
    """
    for pg in all_clusters(context.analysis.scope):
        for backup in scheduled_backups(context.inventory, pg.service.app_dir, pg.cluster):
            ours = to_robfig(context.analysis.schedules.cron_for(seed(pg.service.key, pg.cluster)))
            line, col = backup.at
            yield scheduled_backup_twice.diagnostic(
                context.inventory.shown(backup.file),
                line,
                col,
                f"ScheduledBackup {backup.name!r} ({context.inventory.shown(backup.file)}) also "
                f"takes base backups of cluster {pg.cluster}, which the generated "
                f"{object_name(pg.cluster)} schedules at {ours!r}: two schedules compete",
                _twice_hint(pg, backup, ours),
                subjects=(item_key(pg.cluster), pg.cluster),
            )


RULES = (schedule_five_fields, wal_archiver_conflict, scheduled_backup_twice)
