"""check and compile: the whole pipeline, then a diff or the writes, and the exit code."""

from __future__ import annotations

from compiler import write
from compiler.commands import EXIT_FAILED, EXIT_OK, Outcome, failed, finish, timings, usage
from compiler.config import RunConfig
from compiler.core.diagnostics import Diagnostic
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


def settle(command: str, config: RunConfig) -> tuple[write.Recovered, Outcome | None]:
    """Settle what a killed compile left before the tree is read; an Outcome when that
    stops the run (another live run, or a leftover that cannot be trusted)."""
    recovered = write.recover(config.repository, config.project_root)
    if not recovered.problems:
        return recovered, None
    unsettled = ["nothing read or written: the output tree is not settled"]
    problems = list(recovered.problems)
    report = Report(command, EXIT_FAILED, problems, notes=recovered.notes, failures=unsettled)
    return recovered, finish(report, config)


def run_check(config: RunConfig) -> Outcome:
    """Compile in memory; exit 1 with a unified diff when the tree differs. Writes nothing
    (beyond settling what a killed compile left)."""
    if problem := _problem(config):
        return usage("check", config, problem)
    recovered, stopped = settle("check", config)
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
    report = Report("check", code, diagnostics, body, notes, _summary(result))
    return finish(report, config)


def run_compile(config: RunConfig) -> Outcome:
    """Compile and write changed files, all or nothing; on any error nothing is written."""
    if problem := _problem(config):
        return usage("compile", config, problem)
    recovered, stopped = settle("compile", config)
    if stopped is not None:
        return stopped
    result = build(config)
    changes, plan = result.changes, result.plan
    diagnostics = result.diagnostics.sorted()
    if failed(result, config) or changes is None or plan is None:
        fix = "errors" if result.diagnostics.has_errors else "warnings (--strict)"
        notes = [*recovered.notes, *timings(result, config)]
        failures = [f"nothing written: fix the {fix} above"]
        report = Report("compile", EXIT_FAILED, diagnostics, notes=notes, failures=failures)
        return finish(report, config)
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
        failures = ["compile failed while writing: see the error above"]
        report = Report("compile", EXIT_FAILED, diagnostics, notes=notes, failures=failures)
        return finish(report, config)
    notes = [*recovered.notes, *timings(result, config)]
    return finish(_compiled(result, written, diagnostics, notes), config)


def _compiled(
    result: BuildResult, written: write.Written, diagnostics: list[Diagnostic], notes: list[str]
) -> Report:
    assert result.changes is not None
    changes, fixed = result.changes, list(written.fixed)
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
    return Report("compile", EXIT_OK, diagnostics, "", [line, *notes], summary, data)
