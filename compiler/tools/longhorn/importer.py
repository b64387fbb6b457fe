"""Import of existing Longhorn ``RecurringJob`` objects and the PVCs' group labels.

A volume runs the jobs of the groups its PVC's ``recurring-job-group.longhorn.io/<group>``
labels name, and the jobs its ``recurring-job.longhorn.io/<job>`` labels name; a PVC with
neither is in the ``default`` group. Per Longhorn PVC of the tree, the most frequent backup
job and the most frequent snapshot job become the class block; every other tier of the same
task is reported (the format has one job per task), and so is every other task.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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
)
from compiler.tree import Inventory, Manifest
from compiler.tree.census import TreeItem

GROUP = "recurring-job-group.longhorn.io/"
JOB = "recurring-job.longhorn.io/"
TASKS = ("backup", "snapshot")
TARGET = "longhorn-default"


@dataclass(frozen=True)
class Job:
    manifest: Manifest
    name: str
    task: str
    schedule: str
    gap: int
    retain: int
    groups: tuple[str, ...]
    concurrency: int | None


def _job(manifest: Manifest) -> Job | Note:
    spec = mapping_at(manifest.body, "spec")
    task, schedule = str(spec.get("task", "")), str(spec.get("cron", ""))
    gap = gap_of(schedule)
    if task not in TASKS:
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


def _block(jobs: Sequence[Job]) -> dict[str, Any]:
    block: dict[str, Any] = {"target": TARGET}
    for job in jobs:
        block[job.task] = {"schedule": job.schedule, "retain": job.retain}
    concurrency = [j.concurrency for j in jobs if j.concurrency is not None]
    if concurrency:
        block["concurrency"] = max(concurrency)
    return block


def _best(jobs: Sequence[Job]) -> list[Job]:
    """Per task the most frequent job (the smallest gap; then the longest retention)."""
    chosen: dict[str, Job] = {}
    for job in sorted(jobs, key=lambda j: (j.gap, -j.retain)):
        chosen.setdefault(job.task, job)
    return list(chosen.values())


def _copies(item: TreeItem, labels: Mapping[str, str], jobs: Sequence[Job]) -> list[ImportedCopy]:
    mine = _best([job for job in jobs if _joins(labels, job)])
    block = _block(mine)
    return [
        ImportedCopy(
            "longhorn",
            f"longhorn-{job.task}",
            (item.namespace, item.app),
            f"pvc/{item.name}",
            job.gap,
            job.task == "backup",
            block,
            job.manifest.file,
            job.manifest.at,
        )
        for job in mine
    ]


def _folded(jobs: Sequence[Job]) -> list[Note]:
    best = {job.task: job for job in _best(jobs)}
    return [
        note(
            job.manifest,
            f"a second {job.task} tier (retain {job.retain}) is folded into "
            f"{best[job.task].name} ({best[job.task].schedule}, retain {best[job.task].retain})",
        )
        for job in jobs
        if best[job.task] is not job
    ]


def import_existing(inventory: Inventory) -> ImportedPart:
    """Every Longhorn RecurringJob of the tree, applied to the Longhorn PVCs it reaches."""
    found = [_job(m) for m in of_kind(inventory, "longhorn.io", "RecurringJob")]
    jobs = [job for job in found if isinstance(job, Job)]
    unmapped = [n for n in found if isinstance(n, Note)] + _folded(jobs)
    if not found:
        return EMPTY
    labels = {pvc.manifest.name: dict(pvc.labels) for pvc in inventory.pvcs}
    for patch in generated_manifests(inventory):  # the labels an earlier compile patches on
        if patch.kind == "PersistentVolumeClaim":
            added = mapping_at(patch.body, "metadata", "labels")
            labels.setdefault(patch.name, {}).update({str(k): str(v) for k, v in added.items()})
    items = items_of(inventory)
    copies = [
        copy
        for item in items
        if "longhorn" in item.storage_class
        for copy in _copies(item, labels.get(item.name, {}), jobs)
    ]
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
    reached = {(c.file, c.at) for c in copies}
    unmapped += [
        note(j.manifest, "reaches no Longhorn PVC of the tree")
        for j in jobs
        if (j.manifest.file, j.manifest.at) not in reached
    ]
    target = {"type": "longhorn-backup-target", "name": "default"}
    targets = {TARGET: target} if copies else {}
    return ImportedPart(copies=tuple(copies), targets=targets, unmapped=tuple(unmapped))
