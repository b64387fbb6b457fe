"""check and compile: the whole pipeline, then a diff or the writes, and the exit code."""

from __future__ import annotations

from compiler import write
from compiler.commands import EXIT_FAILED, EXIT_OK, Outcome, failed, finish, timings, usage
from compiler.config import RunConfig
from compiler.pipeline.build import BuildResult, build, output_option_problem
from compiler.report import Report


def _problem(config: RunConfig) -> str:
    if not config.policies.is_dir():
        return f"no policy folder at {config.policies}"
    return output_option_problem(config)


def _summary(result: BuildResult) -> dict[str, int]:
    changes = result.changes
    services = len(result.analysis.services) if result.analysis is not None else 0
    if changes is None:
        return {"services": services}
    return {
        "services": services,
        "toWrite": len(changes.writes),
        "toRemove": len(changes.deletes),
        "unchanged": len(changes.unchanged),
    }


def run_check(config: RunConfig) -> Outcome:
    """Compile in memory; exit 1 with a unified diff when the tree differs. Writes nothing."""
    if problem := _problem(config):
        return usage(problem)
    result = build(config)
    diagnostics = result.diagnostics.sorted()
    notes, body = timings(result, config), ""
    changes = result.changes
    if changes is not None and changes.drift and not result.diagnostics.has_errors:
        diagnostics += write.drift(changes, result.shown_root)
        body = write.unified_diff(changes, result.shown_root)
        notes.insert(
            0,
            f"{result.shown_root} is out of date: {len(changes.writes)} to write, "
            f"{len(changes.deletes)} to remove; run `backup-policy compile`",
        )
    code = EXIT_FAILED if failed(result, config) or body else EXIT_OK
    report = Report("check", code, diagnostics, body, notes, _summary(result))
    return finish(report, config)


def run_compile(config: RunConfig) -> Outcome:
    """Compile and write changed files; on any error nothing is written."""
    if problem := _problem(config):
        return usage(problem)
    result = build(config)
    changes, plan = result.changes, result.plan
    diagnostics = result.diagnostics.sorted()
    if failed(result, config) or changes is None or plan is None:
        notes = ["nothing written: fix the errors above", *timings(result, config)]
        return finish(Report("compile", EXIT_FAILED, diagnostics, notes=notes), config)
    write.apply(changes)
    fixed = write.apply_wiring(changes.root, plan.wiring) if config.fix else []
    line = (
        f"compiled {_summary(result)['services']} services into {result.shown_root}: "
        f"{len(changes.writes)} written, {len(changes.unchanged)} unchanged, "
        f"{len(changes.deletes)} removed"
        + (f", {len(fixed)} app kustomizations fixed" if fixed else "")
    )
    summary = {
        "services": _summary(result)["services"],
        "written": len(changes.writes),
        "unchanged": len(changes.unchanged),
        "removed": len(changes.deletes),
        "fixed": len(fixed),
    }
    data = {"written": sorted(changes.writes), "removed": list(changes.deletes), "fixed": fixed}
    report = Report(
        "compile", EXIT_OK, diagnostics, "", [line, *timings(result, config)], summary, data
    )
    return finish(report, config)
