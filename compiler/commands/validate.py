"""validate: the policies alone (the pre-commit fast path); quiet when all is well."""

from __future__ import annotations

from compiler.commands import (
    EXIT_FAILED,
    EXIT_OK,
    Outcome,
    failed,
    finish,
    read_inputs,
    timings,
    usage,
)
from compiler.config import RunConfig
from compiler.pipeline.validate import validate
from compiler.report import Report


def run_validate(config: RunConfig) -> Outcome:
    if not config.policies.is_dir():
        return usage("validate", config, f"no policy folder at {config.policies}")
    result = validate(config)
    code = EXIT_FAILED if failed(result, config) else EXIT_OK
    notes = timings(result, config)
    report = Report("validate", code, result.diagnostics.sorted(), notes=notes)
    return finish(report, config, read_inputs(config))
