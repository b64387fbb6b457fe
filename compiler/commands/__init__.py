"""Command functions: each takes a RunConfig and returns an Outcome with the exit code."""

from __future__ import annotations

from dataclasses import dataclass

from compiler.config import RunConfig
from compiler.pipeline import Result

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


@dataclass(frozen=True)
class Outcome:
    """What the CLI prints (stdout, stderr) and the exit code it returns."""

    exit_code: int
    stdout: str = ""
    stderr: str = ""


def timings(result: Result, config: RunConfig) -> str:
    """Per-stage timings for ``--verbose`` (stderr)."""
    if not config.verbose:
        return ""
    return "".join(
        f"timing: {stage} {seconds * 1000:.1f} ms\n"
        for stage, seconds in result.timings.stages.items()
    )
