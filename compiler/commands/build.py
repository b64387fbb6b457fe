"""check and compile: the whole pipeline, then a diff or the writes, and the exit code."""

from __future__ import annotations

from collections.abc import Sequence

from compiler import write
from compiler.commands import (
    EXIT_FAILED,
    EXIT_OK,
    Fields,
    Outcome,
    failed,
    finish,
    read_inputs,
    timings,
    usage,
)
from compiler.config import RunConfig
from compiler.core.diagnostics import Diagnostic
from compiler.pipeline.build import BuildResult, build, output_option_problem
from compiler.report import Report


def _problem(config: RunConfig) -> str:
    if not config.policies.is_dir():
        return f"no policy folder at {config.policies}"
    return output_option_problem(config)


def _services(result: BuildResult | None) -> int:
    analysis = result.analysis if result is not None else None
    return len(analysis.services) if analysis is not None else 0


def _check_summary(result: BuildResult | None) -> dict[str, int]:
    """check's summary (docs/formats.md), every count there: 0 for what was not reached."""
    changes = result.changes if result is not None else None
    return {
        "services": _services(result),
        "toWrite": len(changes.writes) if changes is not None else 0,
        "toRemove": len(changes.deletes) if changes is not None else 0,
        "unchanged": len(changes.unchanged) if changes is not None else 0,
    }


def _compile_fields(
    services: int, changes: write.Changes | None = None, fixed: Sequence[str] = ()
) -> tuple[dict[str, int], dict[str, list[str]]]:
    """compile's summary and lists (docs/formats.md), all of them even when nothing was
    written (``changes`` None: zeros and empty lists)."""
    written = sorted(changes.writes) if changes is not None else []
    removed = list(changes.deletes) if changes is not None else []
    summary = {
        "services": services,
        "written": len(written),
        "unchanged": len(changes.unchanged) if changes is not None else 0,
        "removed": len(removed),
        "fixed": len(fixed),
    }
    return summary, {"written": written, "removed": removed, "fixed": list(fixed)}


def _unfinished(
    command: str,
    fields: Fields,
    diagnostics: Sequence[Diagnostic],
    notes: Sequence[str],
    failure: str,
) -> Report:
    """A run that stopped before its result: the failure, and the command's every
    documented JSON field (``fields``)."""
    summary, data = fields
    return Report(command, EXIT_FAILED, diagnostics, "", notes, summary, data, failures=[failure])


def settle(
    command: str, config: RunConfig, fields: Fields
) -> tuple[write.Recovered, Outcome | None]:
    """Settle what a killed compile left before the tree is read; an Outcome when that
    stops the run (another live run, or a leftover that cannot be trusted), with the
    command's ``fields`` as they are when nothing was reached."""
    recovered = write.recover(config.repository, config.project_root)
    if not recovered.problems:
        return recovered, None
    unsettled = "nothing read or written: the output tree is not settled"
    report = _unfinished(command, fields, recovered.problems, recovered.notes, unsettled)
    return recovered, finish(report, config)


def run_check(config: RunConfig) -> Outcome:
    """Compile in memory; exit 1 with a unified diff when the tree differs. Writes nothing
    (beyond settling what a killed compile left)."""
    if problem := _problem(config):
        return usage("check", config, problem)
    recovered, stopped = settle("check", config, (_check_summary(None), {}))
    if stopped is not None:
        return stopped
    result = build(config)
    diagnostics = result.diagnostics.sorted()
    notes, body = [*recovered.notes, *timings(result, config)], ""
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
    report = Report("check", code, diagnostics, body, notes, _check_summary(result))
    settled = not recovered.notes  # a replay would print the note of a settle not made
    read = read_inputs(config, result.output_given, result.inventory is not None)
    return finish(report, config, read if settled else None)


def run_compile(config: RunConfig) -> Outcome:
    """Compile and write changed files, all or nothing; on any error nothing is written."""
    if problem := _problem(config):
        return usage("compile", config, problem)
    recovered, stopped = settle("compile", config, _compile_fields(0))
    if stopped is not None:
        return stopped
    result = build(config)
    changes, plan = result.changes, result.plan
    diagnostics = result.diagnostics.sorted()
    if failed(result, config) or changes is None or plan is None:
        fix = "errors" if result.diagnostics.has_errors else "warnings (--strict)"
        notes = [*recovered.notes, *timings(result, config)]
        failure = f"nothing written: fix the {fix} above"
        fields = _compile_fields(_services(result))
        return finish(_unfinished("compile", fields, diagnostics, notes, failure), config)
    wiring, unwiring = (plan.wiring, plan.unwiring) if config.fix else ((), ())
    written = write.apply(
        changes,
        home=config.repository,
        wiring=wiring,
        unwiring=unwiring,
        shown_root=result.shown_root,
    )
    diagnostics += written.problems
    if any(d.level == "error" for d in written.problems):
        notes = [*recovered.notes, *timings(result, config)]
        failure = "compile failed while writing: see the error above"
        fields = _compile_fields(_services(result))
        return finish(_unfinished("compile", fields, diagnostics, notes, failure), config)
    notes = [*recovered.notes, *timings(result, config)]
    return finish(_compiled(result, written, diagnostics, notes), config)


def _compiled(
    result: BuildResult, written: write.Written, diagnostics: list[Diagnostic], notes: list[str]
) -> Report:
    assert result.changes is not None
    changes, fixed = result.changes, list(written.fixed)
    summary, data = _compile_fields(_services(result), changes, fixed)
    line = (
        f"compiled {summary['services']} services into {result.shown_root}: "
        f"{summary['written']} written, {summary['unchanged']} unchanged, "
        f"{summary['removed']} removed"
        + (f", {len(fixed)} app kustomizations fixed" if fixed else "")
    )
    return Report("compile", EXIT_OK, diagnostics, "", [line, *notes], summary, data)
