"""validate: the policies alone (the pre-commit fast path); quiet when all is well."""

from __future__ import annotations

from compiler.commands import EXIT_FAILED, EXIT_OK, Outcome, timings
from compiler.config import RunConfig
from compiler.pipeline.validate import validate
from compiler.report import format_diagnostics


def run_validate(config: RunConfig) -> Outcome:
    result = validate(config)
    code = EXIT_FAILED if result.diagnostics.has_errors else EXIT_OK
    report = format_diagnostics(result.diagnostics.sorted(), config.format, config.color)
    return Outcome(code, report, timings(result, config))
