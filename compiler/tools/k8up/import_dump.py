"""Import of a K8up backup command that dumps a SQLite database (``k8up.sqliteDump``).

A workload whose pod template carries ``k8up.io/backupcommand: sqlite3 <db> .dump`` (written
in the tree, or patched on by an earlier compile's ``backup/patches/``) has a consistent
K8up copy of that database: the Schedule stores the dump. It is kept as the service's
``k8up.sqliteDump`` when a Litestream config of the same app replicates the database (the
format names the database as one of the service's ``sqlite:`` entries); any other command
is reported, never guessed into a dump.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import Any

from msgspec import Struct

from compiler.core.data import mapping_at
from compiler.tools.importing import (
    AppKey,
    ImportedApp,
    Note,
    app_folder,
    generated_manifests,
    note,
    place_of,
)
from compiler.tools.k8up.dump import COMMAND, CONTAINER
from compiler.tree import Inventory, Manifest
from compiler.tree.fluxapps import FluxIndex
from compiler.tree.replicated import replicated_databases

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")


class Dump(Struct, frozen=True):
    """The database one workload's backup command dumps, and where the command is set."""

    app: AppKey
    database: str
    container: str | None
    at: Manifest

    def block(self) -> dict[str, Any]:
        dump: dict[str, Any] = {"database": self.database}
        if self.container:
            dump["container"] = self.container
        return {"sqliteDump": dump}

    def imported_app(self) -> ImportedApp:
        return ImportedApp(self.app, blocks={"k8up": self.block()})


def _annotations(manifest: Manifest) -> dict[str, str]:
    found = mapping_at(manifest.body, "spec", "template", "metadata", "annotations")
    return {str(k): str(v) for k, v in found.items()}


def _commanded(inventory: Inventory) -> Iterator[tuple[Manifest, Manifest]]:
    """(workload of the tree, the object whose pod annotations hold its backup command)."""
    workloads = [m for m in inventory.manifests if m.kind in WORKLOADS and m.group == "apps"]
    patches = [m for m in generated_manifests(inventory) if m.kind in WORKLOADS]
    for workload in workloads:
        folder = app_folder(workload.file) + "/"
        mine = [p for p in patches if p.name == workload.name and p.file.startswith(folder)]
        for holder in (workload, *mine):
            if COMMAND in _annotations(holder):
                yield workload, holder


def dumps(inventory: Inventory, index: FluxIndex) -> tuple[list[Dump], list[Note]]:
    """Every workload's SQLite dump command the format can keep, and the others reported."""
    replicated = {
        (place_of(index, db.file), db.path) for db in replicated_databases(inventory, True)
    }
    found: list[Dump] = []
    notes: list[Note] = []
    for workload, holder in _commanded(inventory):
        annotations = _annotations(holder)
        words = annotations[COMMAND].split()
        app = place_of(index, workload.file, workload.namespace)
        if len(words) != 3 or posixpath.basename(words[0]) != "sqlite3" or words[2] != ".dump":
            what = f"k8up.io/backupcommand {annotations[COMMAND]!r} is not sqlite3 <db> .dump"
            notes.append(note(holder, f"{what}: the copy it makes is not imported"))
        elif (app, words[1]) not in replicated:
            notes.append(
                note(
                    holder,
                    f"K8up dumps {words[1]}, which no Litestream config of the app replicates: "
                    "k8up.sqliteDump names one of the service's sqlite: entries; not imported",
                )
            )
        else:
            found.append(Dump(app, words[1], annotations.get(CONTAINER), holder))
    return found, notes
