"""validate, check and compile: the pipeline plus reporting and the exit code."""

from __future__ import annotations

from compiler import write
from compiler.commands import EXIT_FAILED, EXIT_OK, Outcome
from compiler.config import RunConfig
from compiler.pipeline import Result, build, validate
from compiler.report import format_diagnostics


def _report(result: Result, config: RunConfig) -> str:
    return format_diagnostics(result.diagnostics.sorted(), config.format, config.color)


def _timings(result: Result, config: RunConfig) -> str:
    if not config.verbose:
        return ""
    return "".join(
        f"timing: {stage} {seconds * 1000:.1f} ms\n"
        for stage, seconds in result.timings.stages.items()
    )


def run_validate(config: RunConfig) -> Outcome:
    """Check the policies only; quiet when all is well."""
    result = validate(config)
    code = EXIT_FAILED if result.diagnostics.has_errors else EXIT_OK
    return Outcome(code, _report(result, config), _timings(result, config))


def run_check(config: RunConfig) -> Outcome:
    """Compile in memory; exit 1 with a unified diff when the tree differs. Writes nothing."""
    result = build(config)
    report = _report(result, config)
    if result.diagnostics.has_errors or result.changes is None:
        return Outcome(EXIT_FAILED, report, _timings(result, config))
    if result.changes.drift:
        diff = write.unified_diff(result.changes, result.shown_root)
        note = (
            f"{result.shown_root} is out of date: {len(result.changes.writes)} to write, "
            f"{len(result.changes.deletes)} to remove; run `backup-policy compile`\n"
        )
        return Outcome(EXIT_FAILED, report + diff, note + _timings(result, config))
    return Outcome(EXIT_OK, report, _timings(result, config))


def run_compile(config: RunConfig) -> Outcome:
    """Compile and write changed files; on any error nothing is written."""
    result = build(config)
    report = _report(result, config)
    if result.diagnostics.has_errors or result.changes is None or result.analysis is None:
        return Outcome(EXIT_FAILED, report, "nothing written: fix the errors above\n")
    changes = result.changes
    write.apply(changes)
    fixed = []
    for wiring in result.wiring if config.fix else []:
        write.atomic_write(wiring.path, wiring.fixed)
        fixed.append(wiring.path)
    summary = (
        f"compiled {len(result.analysis.services)} services into {result.shown_root}: "
        f"{len(changes.writes)} written, {len(changes.unchanged)} unchanged, "
        f"{len(changes.deletes)} removed"
        + (f", {len(fixed)} app kustomizations fixed" if fixed else "")
        + "\n"
    )
    return Outcome(EXIT_OK, report + summary, _timings(result, config))
