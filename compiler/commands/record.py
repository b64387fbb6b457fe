"""record TEST-ID: append a run to the restore test's protocol (comments, order, quotes kept)."""

from __future__ import annotations

from msgspec.structs import replace

from compiler.commands import EXIT_FAILED, EXIT_OK, Outcome, finish, usage
from compiler.config import RunConfig
from compiler.model.restore import RestoreTest
from compiler.model.types import duration_seconds
from compiler.pipeline import Result
from compiler.pipeline.drill import find_test
from compiler.pipeline.record import Entry, appended, check_plan, replace_atomically, run_mapping
from compiler.pipeline.validate import load_stage
from compiler.registry import DEFAULT
from compiler.report import Report

__all__ = ["Entry", "run_record"]


def _duration_problem(text: str) -> str:
    """Why ``--duration`` cannot be recorded ('' when it can): the plan's own rule for a
    duration (units, positive, within Go's range), told as a usage error before the plan
    is read rather than as an error on the plan after it."""
    try:
        duration_seconds(text)
    except ValueError as error:
        return f"--duration: {error}"
    return ""


def _fields(entry: Entry | None = None, file: str = "") -> dict[str, object]:
    """record's ``recorded`` (docs/formats.md): the run ``entry`` (its ``day`` set) appended
    to ``file``; every key also when nothing was recorded (null values, no follow-ups)."""
    return {
        "recorded": {
            "test": entry.test_id if entry is not None else None,
            "date": str(entry.day) if entry is not None else None,
            "result": entry.result if entry is not None else None,
            "owner": entry.owner if entry is not None else None,
            "duration": entry.duration if entry is not None else None,
            "followUps": list(entry.notes) if entry is not None else [],
            "file": file or None,
        }
    }


def _failed(config: RunConfig, result: Result) -> Outcome:
    report = Report("record", EXIT_FAILED, result.diagnostics.sorted(), data=_fields())
    return finish(report, config)


def _find(config: RunConfig, entry: Entry, result: Result) -> tuple[RestoreTest, str] | Outcome:
    """The test and the plan file it is in, or the outcome that says why not."""
    policies = load_stage(config, result, DEFAULT)
    if policies is None:
        return _failed(config, result)
    if policies.restore_plan is None:
        return usage("record", config, "the policies have no RestoreTestPlan")
    test = find_test(policies, entry.test_id)
    if isinstance(test, str):
        return usage("record", config, test)
    file = policies.restore_plan.file
    if (config.project_root / file).is_symlink():
        return usage("record", config, f"{file} is a symbolic link: record into its target")
    return test, file


def run_record(config: RunConfig, entry: Entry) -> Outcome:
    """Append ``entry`` to the protocol of its test in the plan file."""
    if not config.policies.is_dir():
        return usage("record", config, f"no policy folder at {config.policies}")
    problem = _duration_problem(entry.duration) or ("--owner is empty" if not entry.owner else "")
    if entry.day is not None and entry.day > config.date:
        problem = f"--date {entry.day} is after today ({config.date}): record a run once it ran"
    if problem:
        return usage("record", config, problem)
    result = Result()
    found = _find(config, entry, result)
    if isinstance(found, Outcome):
        return found
    test, file = found
    path, day = config.project_root / file, entry.day or config.date
    text = appended(path.read_text(encoding="utf-8"), test.id, run_mapping(entry, day))
    assert text is not None  # the test was found in the same file
    result.diagnostics.extend(check_plan(text, file, DEFAULT.kinds.by_kind))
    if result.diagnostics.has_errors:
        return _failed(config, result)
    replace_atomically(path, text)
    line = f"recorded {test.id}: {day} {entry.result} in {entry.duration} by {entry.owner} ({file})"
    data = _fields(replace(entry, test_id=test.id, day=day), file)
    return finish(Report("record", EXIT_OK, (), line + "\n", data=data), config)
