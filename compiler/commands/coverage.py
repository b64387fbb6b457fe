"""coverage: every PVC and replicated SQLite database of the tree, and what protects it."""

from __future__ import annotations

from collections.abc import Sequence

from compiler.analyse.census import Row, totals
from compiler.commands import EXIT_FAILED, EXIT_OK, Fields, Outcome, failed, finish, usage
from compiler.config import RunConfig
from compiler.core.durations import humanize
from compiler.pipeline.coverage import coverage
from compiler.report import Report
from compiler.rules.coverage import uncovered

BP420 = uncovered.id
HEADER = ("NAMESPACE", "APP", "ITEM", "STORAGE CLASS", "STATE", "METHODS", "RPO / REASON")


def _item(row: Row) -> str:
    kind, name = row.item.kind, row.item.name
    if kind == "release":
        return name
    return f"pvc/{name}" if kind == "pvc" else f"{kind}:{name}"  # as explain names them


def _rpo(row: Row) -> str:
    if row.state == "exempt":
        return row.reason
    if row.state == "unknown":
        return "its chart's PVCs cannot be known from the tree"
    rpo = row.coverage.effective_rpo if row.coverage is not None else None
    return humanize(rpo) if rpo is not None else "-"


def _cells(row: Row) -> tuple[str, ...]:
    item = row.item
    methods = ", ".join(row.methods) or "-"
    return (
        item.namespace,
        item.app,
        _item(row),
        item.storage_class or "-",
        row.state,
        methods,
        _rpo(row),
    )


def table(rows: Sequence[Row]) -> str:
    """The rows as aligned text columns, then the totals."""
    lines = [HEADER, *(_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER) - 1)]
    text = "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=False))
        + f"  {line[-1]}".rstrip()
        + "\n"
        for line in lines
    )
    counted = totals(rows)
    return text + ", ".join(f"{state} {count}" for state, count in counted.items()) + "\n"


def _row_data(row: Row) -> dict[str, object]:
    item = row.item
    rpo = row.coverage.effective_rpo if row.coverage is not None else None
    return {
        "namespace": item.namespace,
        "app": item.app,
        "kind": item.kind,
        "item": item.name,
        "storageClass": item.storage_class or None,
        "state": row.state,
        "service": row.service.key if row.service is not None else None,
        "methods": list(row.methods),
        "effectiveRpoSeconds": rpo,
        "reason": row.reason or None,
        "file": item.file or None,
        "source": item.source or None,
    }


def _fields(rows: Sequence[Row]) -> Fields:
    """coverage's summary, ``items`` and ``totals`` (docs/formats.md), all of them also
    when the tree was not read: no items, and every state counts 0."""
    counted = totals(rows)
    return counted, {"items": [_row_data(row) for row in rows], "totals": dict(counted)}


def run_coverage(config: RunConfig) -> Outcome:
    """The coverage table of the tree (``--output``, else the cluster policy's root)."""
    if not config.policies.is_dir() and config.output is None:
        return usage(
            "coverage",
            config,
            f"no policy folder at {config.policies}: name the tree with --output",
        )
    if config.output is not None and not config.output.is_dir():
        return usage("coverage", config, f"--output: no folder at {config.output}")
    result = coverage(config)
    # the policies' own warnings are validate's and check's business, not this table's
    diagnostics = [d for d in result.diagnostics.sorted() if d.level == "error" or d.rule == BP420]
    read = result.inventory is not None
    code = EXIT_FAILED if not read or failed(result, config) else EXIT_OK
    summary, data = _fields(result.rows)
    body = table(result.rows) if read else ""
    return finish(Report("coverage", code, diagnostics, body, summary=summary, data=data), config)
