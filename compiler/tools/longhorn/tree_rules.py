"""Tree rules of Longhorn: a compile never takes a volume out of a group that protects it.

Longhorn runs a group's RecurringJobs on every volume of the group. A volume without any
recurring-job label (or whose PVC lacks ``recurring-job.longhorn.io/source``, so its labels
are not synced) is in the ``default`` group; once the compiler labels the PVC with its own
group and ``source``, it is in that group only. The tree's hand-written RecurringJobs of the
groups it leaves would silently stop.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from compiler.core.data import mapping_at
from compiler.core.diagnostics import Diagnostic
from compiler.rules import TreeContext, tree_rule
from compiler.rules.pvcs import LabelledPvc, labelled_pvcs
from compiler.tree import Inventory, Manifest

SOURCE = "recurring-job.longhorn.io/source"
GROUP = "recurring-job-group.longhorn.io/"
JOB = "recurring-job.longhorn.io/"
PROTECTING = frozenset({"backup", "snapshot", "backup-force-create", "snapshot-force-create"})


def groups(labels: Mapping[str, str]) -> frozenset[str]:
    """The groups Longhorn runs on a volume with these PVC labels."""
    if labels.get(SOURCE) != "enabled":
        return frozenset({"default"})
    named = {
        k.removeprefix(GROUP) for k, v in labels.items() if k.startswith(GROUP) and v == "enabled"
    }
    jobs = [k for k, v in labels.items() if k.startswith(JOB) and k != SOURCE and v == "enabled"]
    return frozenset(named) if named or jobs else frozenset({"default"})


def _jobs(inventory: Inventory) -> list[Manifest]:
    """The hand-written RecurringJobs that protect data (snapshots, backups)."""
    return [
        m
        for m in inventory.manifests
        if m.kind == "RecurringJob"
        and m.group == "longhorn.io"
        and mapping_at(m.body, "spec").get("task") in PROTECTING
    ]


def _describe(job: Manifest) -> str:
    spec = mapping_at(job.body, "spec")
    return f"{job.name} ({spec.get('task')} {spec.get('cron')}, retain {spec.get('retain')})"


def _left(pvc: LabelledPvc, jobs: list[Manifest]) -> tuple[str, list[Manifest]] | None:
    lost = sorted(groups(pvc.before) - groups(pvc.after))
    for group in lost:
        found = [j for j in jobs if group in (mapping_at(j.body, "spec").get("groups") or [])]
        if found:
            return group, found
    return None


@tree_rule(
    "BP314",
    "longhorn-group-left",
    "error",
    passing="pvc.yaml: labels: {recurring-job-group.longhorn.io/default: enabled}",
    failing="pvc.yaml: no recurring-job labels  # and a RecurringJob backup-weekly of default",
)
def group_left(context: TreeContext) -> Iterator[Diagnostic]:
    """A PVC the compiler labels stays in the Longhorn groups whose jobs protect it today.

    Without labels a Longhorn volume is in the ``default`` group, and the tree's
    RecurringJobs of that group (a weekly backup tier, say) run on it. The generated labels
    put the volume in the class's group only: those jobs stop, without a word. Label the
    PVC ``recurring-job-group.longhorn.io/default: enabled`` in its manifest to keep them, or
    acknowledge BP314 for the PVC when the generated jobs replace them.
    """
    jobs = _jobs(context.inventory)
    if not jobs:
        return
    for pvc in labelled_pvcs(context):
        storage = pvc.claim.storage_class
        if storage and "longhorn" not in storage.lower():
            continue
        left = _left(pvc, jobs)
        if left is None:
            continue
        group, protecting = left
        name = pvc.claim.name
        where = context.inventory.shown(pvc.claim.owner.file)
        yield group_left.at(
            pvc.service.source.doc,
            pvc.origin,
            f"pvc/{name} leaves Longhorn's {group!r} group: the generated labels put it in "
            f"{', '.join(sorted(groups(pvc.after)))} only, so "
            f"{', '.join(_describe(j) for j in protecting)} silently "
            f"{'stops' if len(protecting) == 1 else 'stop'} protecting it",
            f"keep it: label the PVC recurring-job-group.longhorn.io/{group}: enabled "
            f"({where}); or acknowledge BP314 for pvc/{name}",
            subjects=(f"pvc/{name}", name),
        )


_MOVED = ("backupTarget", "backupTargetCredentialSecret")
_VERSION = re.compile(r"v?(\d+)\.(\d+)")


def _reads_default_settings(version: str) -> bool:
    """Whether a Longhorn chart of ``version`` still renders the backup target from
    ``defaultSettings`` (before 1.8.0; an unknown version is taken for a current one)."""
    found = _VERSION.match(version.strip())
    return found is not None and (int(found[1]), int(found[2])) < (1, 8)


@tree_rule(
    "BP425",
    "longhorn-backup-target-setting",
    "error",
    passing="values: {defaultBackupStore: {backupTarget: nfs://nas:/longhorn}}  # chart 1.12.1",
    failing="values: {defaultSettings: {backupTarget: nfs://nas:/longhorn}}  # chart 1.12.1",
)
def backup_target_setting(context: TreeContext) -> Iterator[Diagnostic]:
    """The Longhorn release sets its backup target where its chart reads it.

    Since chart 1.8.0 the default backup target is ``defaultBackupStore.backupTarget`` (the
    ``longhorn-default-resource`` ConfigMap, chart/templates/default-resource.yaml);
    ``defaultSettings.backupTarget`` is no longer rendered, so the ``default`` BackupTarget
    stays empty and every backup RecurringJob fails.
    """
    for release in context.inventory.helm_releases:
        if release.chart.chart != "longhorn" or release.values is None:
            continue
        if _reads_default_settings(release.chart.version):
            continue
        settings = mapping_at(release.values, "defaultSettings")
        moved = [key for key in _MOVED if settings.get(key)]
        if not moved:
            continue
        manifest = release.manifest
        read = context.inventory.documents(manifest.file)
        document = read[manifest.index] if isinstance(read, list) else None
        at = document.locate(("spec", "values")) if document else manifest.at
        message = (
            f"HelmRelease {manifest.name} sets defaultSettings.{', defaultSettings.'.join(moved)}"
            f", which Longhorn's chart {release.chart.version or ''} no longer reads: the "
            "backup target stays empty and every Longhorn backup fails"
        )
        hint = "move them to defaultBackupStore (backupTarget, backupTargetCredentialSecret)"
        shown = context.inventory.shown(manifest.file)
        yield backup_target_setting.diagnostic(shown, *at, message, hint, subjects=(manifest.name,))


RULES = (group_left, backup_target_setting)
