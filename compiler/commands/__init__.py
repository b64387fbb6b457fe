"""Command functions: each takes a RunConfig and returns an Outcome with the exit code.

A command describes its result as a :class:`compiler.report.Report`; :func:`finish` renders
it in the configured format, adds the timings of ``--verbose`` and makes warnings fail
under ``--strict``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from msgspec import Struct
from msgspec.structs import replace

from compiler.config import RunConfig
from compiler.core.replay import Inputs
from compiler.core.witness import Watched
from compiler.pipeline import Result
from compiler.report import Report, failing, render, stopped

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

Fields = tuple[Mapping[str, int], Mapping[str, Any]]
"""A command's own summary counts and top-level JSON fields (docs/formats.md): each command
builds them in one place, for a failed run too (zeros, empty lists, null)."""


class Outcome(Struct, frozen=True):
    """What the CLI prints (stdout, stderr) and the exit code it returns."""

    exit_code: int
    stdout: str = ""
    stderr: str = ""
    inputs: Inputs | None = None
    """What the run read, when it may be replayed (:mod:`compiler.core.replay`)."""


def timings(result: Result, config: RunConfig) -> list[str]:
    """``--verbose`` (stderr): the problems the policies acknowledge, and per-stage timings."""
    if not config.verbose:
        return []
    lines = [accepted.render() for accepted in result.acknowledged]
    lines += [f"timing: {stage} {s * 1000:.1f} ms" for stage, s in result.timings.stages.items()]
    return lines


def failed(result: Result, config: RunConfig) -> bool:
    """Errors fail a run; with ``--strict`` warnings do too."""
    return any(failing(d, config) for d in result.diagnostics.items)


def finish(report: Report, config: RunConfig, inputs: Inputs | None = None) -> Outcome:
    """The report rendered; ``inputs``: what the run read, when it may be replayed."""
    warned = any(d.level == "warning" for d in report.diagnostics)
    if config.strict and report.exit_code == EXIT_OK and warned:
        report = replace(report, exit_code=EXIT_FAILED)
    stdout, stderr = render(report, config)
    return Outcome(report.exit_code, stdout, stderr, inputs)


def read_inputs(
    config: RunConfig, output_root: Path | None = None, tree_read: bool = False
) -> Inputs:
    """What a run read: the policy folder, and the output root once the run knows it, as
    given (links on the way unresolved: :mod:`compiler.core.replay`): its tree when the
    run read it (``tree_read``), else only where it is."""
    limit = config.limits.max_bytes
    watched = [Watched(str(config.policies.absolute()), "policies", limit)]
    if output_root is not None:
        watched.append(Watched(str(output_root), "tree" if tree_read else "root"))
    return Inputs(tuple(watched), str(config.repository))


def usage(command: str, config: RunConfig, message: str) -> Outcome:
    """A usage error: exit 2, one line on stderr, and in a machine format the document it
    promises (docs/formats.md)."""
    return failure(command, config.format, EXIT_USAGE, message)


def failure(command: str, fmt: str, exit_code: int, message: str) -> Outcome:
    """A run that stopped before it had a result (a usage error, an internal error)."""
    return Outcome(
        exit_code, stopped(command, fmt, exit_code, message), f"backup-policy: {message}\n"
    )
