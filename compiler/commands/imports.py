"""import: policies that reproduce the protection the tree's own backup objects give today."""

from __future__ import annotations

from compiler.commands import EXIT_FAILED, EXIT_OK, Outcome, failed, finish, usage
from compiler.config import RunConfig
from compiler.core.durations import humanize
from compiler.pipeline.importer import Compared, ImportRequest, import_tree
from compiler.report import Report
from compiler.tree.root import root_problem


def _rpo(seconds: int | None) -> str:
    return humanize(seconds) if seconds is not None else "-"


def _row(row: Compared) -> str:
    before = f"{', '.join(row.before)} {_rpo(row.before_rpo)}"
    after = f"{', '.join(row.after) or '-'} {_rpo(row.after_rpo)}"
    return f"{row.app} {row.item}: before {before}; after {after}{' WORSE' if row.lost else ''}"


def _request_problem(config: RunConfig, request: ImportRequest) -> str:
    """Why the request cannot run ('' when it can): a usage error, nothing read or written."""
    if request.root is not None and not request.root.is_dir():
        return f"--root: no folder at {request.root}"
    output = request.output or config.policies
    problem = root_problem(config.repository, output.absolute())
    return f"--output: {problem}" if problem else ""


def run_import(config: RunConfig, request: ImportRequest) -> Outcome:
    """Import the tree into policies; exit 1 when something is refused or weaker."""
    if problem := _request_problem(config, request):
        return usage("import", config, problem)
    result = import_tree(config, request)
    code = EXIT_FAILED if failed(result, config) else EXIT_OK
    body = ""
    if not config.quiet:  # errors only: the comparison and the summary are not problems
        body = "".join(f"{_row(row)}\n" for row in result.compared)
        if result.written and result.output is not None:
            body += f"wrote {len(result.written)} policy files to {result.output.as_posix()}\n"
    summary = {
        "services": result.services,
        "items": len(result.compared),
        "unmapped": len(result.unmapped),
    }
    data = {
        "written": list(result.written),
        "unmapped": [note.line() for note in result.unmapped],
        "items": [
            {
                "app": r.app,
                "item": r.item,
                "before": list(r.before),
                "beforeRpoSeconds": r.before_rpo,
                "after": list(r.after),
                "afterRpoSeconds": r.after_rpo,
                "lost": r.lost or None,
            }
            for r in result.compared
        ],
    }
    report = Report("import", code, result.diagnostics.sorted(), body, summary=summary, data=data)
    return finish(report, config)
