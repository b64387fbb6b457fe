"""tree -> every tool's ``import_existing`` -> policies -> validate -> compare: ``import``.

The tree is read once into the inventory; each tool maps its own objects
(:class:`compiler.tools.importing.ImportedPart`); :mod:`compiler.pipeline.import_compose`
merges them into a ClusterPolicy and one ServicePolicy per app with a copy today. The files
go to the output folder through the all-or-nothing writer, never over a policy file with
content (BP602). Then the written policies are validated like ``validate`` and analysed: an
item with a copy today that they protect less (a method lost, a larger effective RPO) is
BP601; what the tools could not map is BP600, one line each.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from msgspec import Struct, field
from msgspec.structs import replace

from compiler.analyse import Coverage
from compiler.config import RunConfig
from compiler.core.diagnostics import Diagnostic
from compiler.core.emit import dump
from compiler.core.paths import repository_root
from compiler.core.staging import StagingError, replace_files
from compiler.pipeline import Result, Timings
from compiler.pipeline.import_compose import Composed, compose
from compiler.pipeline.validate import load_stage, validate
from compiler.registry import DEFAULT, Toolset
from compiler.rules.importing import EXISTS, UNMAPPED, WEAKER
from compiler.tools.importing import AppKey, ImportedCopy, ImportedPart, Note, best_gap
from compiler.tree import Inventory
from compiler.tree.census import tree_items
from compiler.tree.read import read_tree
from compiler.write_rules import WRITE_FAILED

HEADER = (
    "# Written by `backup-policy import` from the tree at {root}: review the owner, the\n"
    "# classification and every line the import reported, then `backup-policy compile --fix`.\n"
)


class ImportRequest(Struct, frozen=True):
    """``--root`` (None: the cluster policy's output root, else '.') and ``--output``
    (None: the policies folder)."""

    root: Path | None = None
    output: Path | None = None


class Compared(Struct, frozen=True):
    """One item with a copy today: its methods and effective RPO before and after."""

    app: str
    item: str
    before: tuple[str, ...]
    before_rpo: int | None
    after: tuple[str, ...] = ()
    after_rpo: int | None = None

    @property
    def lost(self) -> str:
        """What the import loses ('' when nothing)."""
        missing = sorted(set(self.before) - set(self.after))
        if missing:
            return f"loses {', '.join(missing)}"
        if self.before_rpo is not None and (
            self.after_rpo is None or self.after_rpo > self.before_rpo
        ):
            after = "none" if self.after_rpo is None else f"{self.after_rpo}s"
            return f"effective RPO {self.before_rpo}s before, {after} after"
        return ""


class ImportResult(Result):
    inventory: Inventory | None = None
    output: Path | None = None
    written: tuple[str, ...] = ()
    services: int = 0
    compared: list[Compared] = field(default_factory=list)
    unmapped: list[Note] = field(default_factory=list)


BACKUP_KINDS = ("Schedule", "RecurringJob", "ReplicationSource", "ScheduledBackup", "ObjectStore")


def _unreadable(inventory: Inventory) -> list[Note]:
    """Files that may hold backup objects but are no YAML the tree reader could read
    (a Helm template, a syntax error): nothing in them is imported."""
    found = []
    for path, tree_file in sorted(inventory.files.items()):
        text = tree_file.text or ""
        if tree_file.error and any(f"kind: {kind}" in text for kind in BACKUP_KINDS):
            message = (
                f"not readable as YAML ({tree_file.error}): its backup objects are not imported"
            )
            found.append(Note(path, tree_file.error_at, message))
    return found


def _root(config: RunConfig, request: ImportRequest) -> Path:
    if request.root is not None:
        return request.root
    if (config.policies / "cluster.yaml").is_file():
        policies = load_stage(config, Result(), DEFAULT)
        if policies is not None:
            return config.project_root / policies.cluster.policy.spec.output.root
    return Path(".")


def _documents(composed: Composed, shown_root: str) -> dict[str, str]:
    header = HEADER.format(root=shown_root)
    files = {"cluster.yaml": header + dump(composed.cluster)}
    for name, document in composed.services.items():
        files[f"services/{name}"] = header + dump(document)
    return files


def _refused(output: Path, files: Sequence[str]) -> list[Diagnostic]:
    found = []
    for rel in files:
        path = output / rel
        if path.exists() and (not path.is_file() or path.read_text(errors="replace").strip()):
            found.append(
                EXISTS.diagnostic(
                    path.as_posix(),
                    1,
                    1,
                    f"{rel} exists and is not empty: import writes nothing over a policy",
                    "move it away, or name another folder with --output",
                )
            )
    return found


def _compare(copies: Sequence[ImportedCopy], coverage: Sequence[Coverage]) -> list[Compared]:
    by_item: dict[tuple[str, str, str], list[ImportedCopy]] = {}
    for copy in copies:
        by_item.setdefault((*copy.app, copy.item), []).append(copy)
    after = {(c.service.namespace, c.service.name, c.item.key): c for c in coverage}
    rows = []
    for (namespace, app, item), found in sorted(by_item.items()):
        now = after.get((namespace, app, item))
        methods = tuple(sorted({c.method for c in found}))
        made = (
            tuple(sorted({c.method for c in now.copies} | set(now.service.methods))) if now else ()
        )
        rpo = now.effective_rpo if now is not None else None
        rows.append(Compared(f"{namespace}/{app}", item, methods, best_gap(found), made, rpo))
    return rows


def _write(result: ImportResult, output: Path, files: dict[str, str]) -> bool:
    try:
        output.mkdir(parents=True, exist_ok=True)
        warning = replace_files(repository_root(output), output, files, ())
    except (StagingError, OSError) as error:
        result.diagnostics.add(WRITE_FAILED.diagnostic(output.as_posix(), 1, 1, str(error)))
        return False
    if warning:
        result.diagnostics.add(
            WRITE_FAILED.diagnostic(output.as_posix(), 1, 1, warning, level="warning")
        )
    result.written = tuple(sorted(files))
    return True


def _check(
    result: ImportResult,
    config: RunConfig,
    output: Path,
    parts: Sequence[ImportedPart],
    dropped: frozenset[AppKey],
) -> None:
    checked = validate(RunConfig(policies=output, today=config.today, limits=config.limits))
    base = output.parent
    result.diagnostics.extend(
        replace(d, file=(base / d.file).as_posix()) for d in checked.diagnostics.sorted()
    )
    if checked.analysis is None:
        return
    copies = [c for p in parts for c in p.copies if c.app not in dropped]
    result.compared = _compare(copies, checked.analysis.coverage)
    for row in result.compared:
        if row.lost:
            message = f"{row.app} {row.item}: {row.lost} (before: {', '.join(row.before)})"
            result.diagnostics.add(
                WEAKER.diagnostic((output / "services").as_posix(), 1, 1, message)
            )


def import_tree(
    config: RunConfig, request: ImportRequest, toolset: Toolset = DEFAULT
) -> ImportResult:
    """Import the tree at ``request.root`` into policies at ``request.output``."""
    result = ImportResult(timings=Timings(progress=config.progress))
    output = (request.output or config.policies).absolute()
    root = _root(config, request)
    relative = Path(os.path.relpath(root.resolve(), output.parent.resolve())).as_posix()
    result.output, result.shown_root = output, root.as_posix()
    inventory = read_tree(root.resolve(), root.as_posix(), skip=(output,))
    result.inventory = inventory
    parts = [tool.import_existing(inventory) for tool in toolset.tools]
    items = list(tree_items(inventory))
    methods = frozenset(t.method for t in toolset.tools if t.method)
    claims = [i for i in items if i.kind == "pvc"]
    composed = compose(inventory, parts, claims, methods, (root.resolve().name, relative))
    result.unmapped = [n for p in parts for n in (*p.unmapped, *p.reported)] + composed.notes
    result.unmapped += [
        Note(
            i.file, i.at, f"{i.name}: its chart's PVCs cannot be known from the tree; none imported"
        )
        for i in items
        if i.kind == "release"
    ]
    result.unmapped += _unreadable(inventory)
    result.diagnostics.extend(
        UNMAPPED.diagnostic(inventory.shown(n.file), n.at[0], n.at[1], n.message)
        for n in result.unmapped
    )
    result.services = len(composed.services)
    files = _documents(composed, root.as_posix())
    refused = _refused(output, sorted(files))
    if relative.startswith(".."):
        refused.append(
            EXISTS.diagnostic(
                output.as_posix(),
                1,
                1,
                f"the tree {root} is not inside {output.parent}: the cluster policy's "
                "output root could not name it",
                "put the policies folder in the tree's repository, e.g. --output <tree>/policies",
            )
        )
    result.diagnostics.extend(refused)
    if not refused and _write(result, output, files):
        _check(result, config, output, parts, composed.dropped)
    return result
