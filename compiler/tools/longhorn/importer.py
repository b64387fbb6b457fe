"""Import of existing Longhorn ``RecurringJob`` objects and the PVCs' group labels.

A volume runs the jobs of the groups its PVC's ``recurring-job-group.longhorn.io/<group>``
labels name, and the jobs its ``recurring-job.longhorn.io/<job>`` labels name; a PVC with
neither is in the ``default`` group. Per Longhorn PVC of the tree, its backup jobs and its
snapshot jobs become the class block: one job as it is, several of a task as tiers (the
most frequent first, the others named after their RecurringJob: ``backup-weekly`` is the
tier ``weekly``), whose copy's gap is the largest between firings of any tier. Every other
task is reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from msgspec import Struct

from compiler.core import cron
from compiler.core.cron import normalise
from compiler.core.data import mapping_at
from compiler.tools.importing import (
    EMPTY,
    ImportedCopy,
    ImportedPart,
    Note,
    gap_of,
    generated_manifests,
    items_of,
    note,
    of_kind,
    pvc_copy,
    tier_name,
)
from compiler.tree import Inventory, Manifest
from compiler.tree.census import TreeItem
from compiler.tree.fluxreleases import renders_of

GROUP = "recurring-job-group.longhorn.io/"
JOB = "recurring-job.longhorn.io/"
TASKS = ("backup", "snapshot")
# Maintenance tasks the format has (no copies: the class block only): task -> its key.
CHORES = {"filesystem-trim": "filesystemTrim", "snapshot-cleanup": "snapshotCleanup"}
TARGET = "longhorn-default"


class Job(Struct, frozen=True):
    manifest: Manifest
    name: str
    task: str
    schedule: str
    gap: int
    retain: int
    groups: tuple[str, ...]
    concurrency: int | None

    @property
    def resolved(self) -> str:
        """The schedule as the analysis reads it (an ``H`` of the tree's resolved once)."""
        return cron.resolve(self.schedule, "import")


def _job(manifest: Manifest) -> Job | Note:
    spec = mapping_at(manifest.body, "spec")
    task, schedule = str(spec.get("task", "")), str(spec.get("cron", ""))
    gap = gap_of(schedule)
    if task not in TASKS and task not in CHORES:
        return note(manifest, f"task {task or '(none)'} has no place in the policy format")
    if gap is None:
        return note(manifest, f"cron {schedule!r} is not one the import can read")
    listed = spec.get("groups")
    groups = tuple(str(g) for g in listed) if isinstance(listed, list) else ()
    retain = spec["retain"] if isinstance(spec.get("retain"), int) else 1
    concurrency = spec["concurrency"] if isinstance(spec.get("concurrency"), int) else None
    name = str(spec.get("name") or manifest.name)
    return Job(manifest, name, task, normalise(schedule), gap, max(retain, 1), groups, concurrency)


def _joins(labels: Mapping[str, str], job: Job) -> bool:
    groups = {k.removeprefix(GROUP) for k in labels if k.startswith(GROUP)}
    names = {k.removeprefix(JOB) for k in labels if k.startswith(JOB)}
    if not groups and not names:
        groups = {"default"}
    return job.name in names or bool(groups & set(job.groups))


def _job_block(job: Job) -> dict[str, Any]:
    return {"schedule": job.schedule, "retain": job.retain}


def _tiers(jobs: Sequence[Job]) -> dict[str, Any] | list[dict[str, Any]]:
    """One job as it is; several as tiers, the most frequent first and without a name."""
    if len(jobs) == 1:
        return _job_block(jobs[0])
    taken: set[str] = set()
    rest = [{"tier": tier_name(j.name, j.task, taken), **_job_block(j)} for j in jobs[1:]]
    return [_job_block(jobs[0]), *rest]


def _by_task(jobs: Sequence[Job]) -> dict[str, list[Job]]:
    """Per task the jobs, most frequent first (the smallest gap; then the longest retention)."""
    found: dict[str, list[Job]] = {}
    for job in sorted(jobs, key=lambda j: (j.gap, -j.retain, j.name)):
        found.setdefault(job.task, []).append(job)
    return found


def _block(tasks: Mapping[str, Sequence[Job]]) -> dict[str, Any]:
    """The class block: copying tasks as tiers, a chore's most frequent job (the format has
    one per chore; Longhorn's retain means nothing for them)."""
    block: dict[str, Any] = {"target": TARGET}
    for task, jobs in tasks.items():
        if task in CHORES:
            block[CHORES[task]] = {"schedule": jobs[0].schedule}
        else:
            block[task] = _tiers(jobs)
    concurrency = [j.concurrency for jobs in tasks.values() for j in jobs if j.concurrency]
    if concurrency:
        block["concurrency"] = max(concurrency)
    return block


def _copies(item: TreeItem, mine: Sequence[Job]) -> list[ImportedCopy]:
    tasks = _by_task(mine)
    if not any(task in TASKS for task in tasks):
        return []  # chores alone protect nothing: no class block to carry them
    block = _block(tasks)
    return [
        pvc_copy(
            "longhorn",
            item,
            cron.max_gap_of_all(tuple(j.resolved for j in mine)),
            block,
            mine[0].manifest,
            f"longhorn-{task}",
            task == "backup",
        )
        for task, mine in tasks.items()
        if task in TASKS
    ]


def _texts(labels: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, Mapping) else {}


def _labels(inventory: Inventory) -> dict[str, dict[str, str]]:
    """Each PVC's labels: written ones, and a chart's ``persistence.<key>.labels``, with the
    labels an earlier compile patches on (on the PVC, or into the release's values)."""
    labels = {pvc.manifest.name: dict(pvc.labels) for pvc in inventory.pvcs}
    keys: dict[tuple[str, str], str] = {}
    for manifest in inventory.manifests:
        applied = renders_of(inventory, manifest) if manifest.kind == "HelmRelease" else ()
        for flux, (_, render) in applied:
            for pvc in render.pvcs if render is not None else ():
                labels.setdefault(pvc.name, {}).update(_texts(pvc.labels))
                if flux is None:  # a shared release's patch names no app: not read back
                    keys[(manifest.name, pvc.key)] = pvc.name
    for patch in generated_manifests(inventory):
        if patch.kind == "PersistentVolumeClaim":
            added = mapping_at(patch.body, "metadata", "labels")
            labels.setdefault(patch.name, {}).update(_texts(added))
        elif patch.kind == "HelmRelease":
            persistence = mapping_at(patch.body, "spec", "values", "persistence")
            for key, item in persistence.items():
                claim = keys.get((patch.name, str(key)))
                if claim is not None:
                    labels[claim].update(_texts(mapping_at(item, "labels")))
    return labels


def import_existing(inventory: Inventory) -> ImportedPart:
    """Every Longhorn RecurringJob of the tree, applied to the Longhorn PVCs it reaches."""
    found = [_job(m) for m in of_kind(inventory, "longhorn.io", "RecurringJob")]
    jobs = [job for job in found if isinstance(job, Job)]
    unmapped = [n for n in found if isinstance(n, Note)]
    if not found:
        return EMPTY
    labels = _labels(inventory)
    items = items_of(inventory)
    joined = {
        item: [job for job in jobs if _joins(labels.get(item.name, {}), job)]
        for item in items
        if "longhorn" in item.storage_class
    }
    copies = [copy for item, mine in joined.items() for copy in _copies(item, mine)]
    unmapped += [
        Note(
            item.file,
            item.at,
            f"PVC {item.name}: storage class {item.storage_class} is set at run "
            "time; not judged for Longhorn",
        )
        for item in items
        if "${" in item.storage_class
    ]
    reached = {id(job) for mine in joined.values() for job in mine}
    unmapped += [
        note(j.manifest, "reaches no Longhorn PVC of the tree")
        for j in jobs
        if id(j) not in reached
    ]
    target = {"type": "longhorn-backup-target", "name": "default"}
    targets = {TARGET: target} if copies else {}
    return ImportedPart(copies=tuple(copies), targets=targets, unmapped=tuple(unmapped))
