"""Import of existing K8up ``Schedule`` objects: backend, schedules and retention.

A K8up Schedule backs up the PVCs of its namespace: each PVC of the tree there gets a
``k8up`` copy whose class block carries the Schedule's backup, check and prune crons, its
retention and an ``s3`` target made of its backend. A SQLite database that a backup
command dumps gets a consistent ``k8up`` copy too (:mod:`.import_dump`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from compiler.core.cron import normalise
from compiler.core.data import mapping_at
from compiler.tools.importing import (
    AppKey,
    ImportedApp,
    ImportedCopy,
    ImportedPart,
    Note,
    dns_label,
    gap_of,
    items_of,
    merged,
    namespace_of,
    note,
    of_kind,
    place_of,
    pvc_copy,
    s3_target,
)
from compiler.tools.k8up.import_dump import Dump, dumps
from compiler.tree import Inventory, Manifest
from compiler.tree.fluxapps import flux_index

KEEP = ("keepLast", "keepHourly", "keepDaily", "keepWeekly", "keepMonthly", "keepYearly")
HISTORY = ("successfulJobsHistoryLimit", "failedJobsHistoryLimit")


def _target(manifest: Manifest) -> tuple[str, dict[str, Any]] | Note:
    backend = mapping_at(manifest.body, "spec", "backend")
    s3 = mapping_at(backend, "s3")
    access, secret = (
        mapping_at(s3, "accessKeyIDSecretRef"),
        mapping_at(s3, "secretAccessKeySecretRef"),
    )
    password = mapping_at(backend, "repoPasswordSecretRef")
    endpoint, bucket = str(s3.get("endpoint") or ""), str(s3.get("bucket") or "")
    if not endpoint or not bucket or not access.get("name") or not password.get("name"):
        return note(manifest, "no spec.backend.s3 with endpoint, bucket and Secret references")
    if access.get("name") != secret.get("name"):
        return note(manifest, "the S3 access key and secret key are in two Secrets")
    keys = {
        "name": access["name"],
        "accessKeyIdKey": access.get("key", "access-key-id"),
        "secretAccessKeyKey": secret.get("key", "secret-access-key"),
    }
    target = s3_target(endpoint, bucket, "", keys)
    target["repoPasswordSecret"] = {"name": password["name"], "key": password.get("key", "")}
    return dns_label("k8up", bucket), target


def _block(manifest: Manifest, target: str) -> tuple[dict[str, Any], list[str]]:
    spec = mapping_at(manifest.body, "spec")
    block: dict[str, Any] = {"target": target}
    lost: list[str] = []
    for task in ("backup", "check", "prune"):
        part = mapping_at(spec, task)
        if part.get("schedule"):
            block[task] = normalise(str(part["schedule"]))
        for key in HISTORY:
            if task == "backup" and isinstance(part.get(key), int):
                block[key] = part[key]
    retention = mapping_at(spec, "prune", "retention")
    kept = {k: v for k, v in retention.items() if k in KEEP and isinstance(v, int) and v > 0}
    lost += [f"prune.retention.{k}" for k in retention if k not in kept]
    if kept:
        block["retention"] = kept
    lost += [f"spec.{k}" for k in spec if k not in ("backend", "backup", "check", "prune")]
    return block, lost


def _dumped(
    dumps: list[Dump], covered: set[AppKey], gap: int | None, block: dict[str, Any], at: Manifest
) -> tuple[tuple[ImportedCopy, ...], tuple[ImportedApp, ...]]:
    """The consistent copies of the dumped databases of the apps the Schedule backs up."""
    mine = [d for d in dumps if d.app in covered]
    copies = tuple(
        ImportedCopy(
            "k8up", "k8up", d.app, f"sqlite:{d.database}", gap, True, block, at.file, at.at
        )
        for d in mine
    )
    return copies, tuple(d.imported_app() for d in mine)


def _schedule(
    inventory: Inventory, manifest: Manifest, namespace: str, dumps: list[Dump]
) -> ImportedPart:
    found = _target(manifest)
    if isinstance(found, Note):
        return ImportedPart(unmapped=(found,))
    name, target = found
    block, lost = _block(manifest, name)
    unmapped = tuple(note(manifest, f"{field} is not kept") for field in lost)
    gap = gap_of(str(block.get("backup", "")))
    if gap is None:
        unmapped += (note(manifest, "spec.backup.schedule is not a cron the import can read"),)
    selected = bool(mapping_at(manifest.body, "spec", "backup").get("labelSelectors"))
    mine = place_of(flux_index(inventory), manifest.file, namespace)
    copies = tuple(
        pvc_copy("k8up", item, gap, block, manifest)
        for item in items_of(inventory)
        if item.namespace == namespace and (not selected or (item.namespace, item.app) == mine)
    )
    if not copies:
        unmapped += (note(manifest, f"no PVC of namespace {namespace} in the tree to protect"),)
    dumped, apps = _dumped(dumps, {c.app for c in copies}, gap, block, manifest)
    return ImportedPart(copies + dumped, apps, {name: target}, unmapped=unmapped)


def _parts(inventory: Inventory) -> Iterator[ImportedPart]:
    index = flux_index(inventory)
    found, notes = dumps(inventory, index)
    for manifest in of_kind(inventory, "k8up.io", "Schedule"):
        yield _schedule(inventory, manifest, namespace_of(index, manifest), found)
    yield ImportedPart(unmapped=tuple(notes))


def import_existing(inventory: Inventory) -> ImportedPart:
    """Every K8up Schedule of the tree."""
    return merged(list(_parts(inventory)))
