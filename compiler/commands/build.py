"""check and compile: the whole pipeline, then a diff or the writes, and the exit code."""

from __future__ import annotations

from compiler import write
from compiler.commands import EXIT_FAILED, EXIT_OK, EXIT_USAGE, Outcome, timings
from compiler.config import RunConfig
from compiler.pipeline.build import BuildResult, build, output_option_problem
from compiler.report import format_diagnostics


def _report(result: BuildResult, config: RunConfig) -> str:
    return format_diagnostics(result.diagnostics.sorted(), config.format, config.color)


def run_check(config: RunConfig) -> Outcome:
    """Compile in memory; exit 1 with a unified diff when the tree differs. Writes nothing."""
    if problem := output_option_problem(config):
        return Outcome(EXIT_USAGE, "", f"backup-policy: {problem}\n")
    result = build(config)
    report = _report(result, config)
    if result.diagnostics.has_errors or result.changes is None:
        return Outcome(EXIT_FAILED, report, timings(result, config))
    if result.changes.drift:
        diff = write.unified_diff(result.changes, result.shown_root)
        note = (
            f"{result.shown_root} is out of date: {len(result.changes.writes)} to write, "
            f"{len(result.changes.deletes)} to remove; run `backup-policy compile`\n"
        )
        return Outcome(EXIT_FAILED, report + diff, note + timings(result, config))
    return Outcome(EXIT_OK, report, timings(result, config))


def run_compile(config: RunConfig) -> Outcome:
    """Compile and write changed files; on any error nothing is written."""
    if problem := output_option_problem(config):
        return Outcome(EXIT_USAGE, "", f"backup-policy: {problem}\n")
    result = build(config)
    report = _report(result, config)
    changes, plan = result.changes, result.plan
    if result.diagnostics.has_errors or changes is None or plan is None:
        return Outcome(EXIT_FAILED, report, "nothing written: fix the errors above\n")
    write.apply(changes)
    fixed = write.apply_wiring(changes.root, plan.wiring) if config.fix else []
    services = len(result.analysis.services) if result.analysis is not None else 0
    summary = (
        f"compiled {services} services into {result.shown_root}: "
        f"{len(changes.writes)} written, {len(changes.unchanged)} unchanged, "
        f"{len(changes.deletes)} removed"
        + (f", {len(fixed)} app kustomizations fixed" if fixed else "")
        + "\n"
    )
    return Outcome(EXIT_OK, report + summary, timings(result, config))
