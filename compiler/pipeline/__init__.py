"""The stages in data-flow order, timed: ``validate`` (load, model, analyse, policy rules)
and ``build`` (validate, then tree, plan, tree rules, render, verify, compare).

The two live in separate modules so that ``validate``, the pre-commit fast path, never
imports the tree, render or write stages.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from compiler.analyse import Analysis
from compiler.core.diagnostics import Diagnostics
from compiler.policies import Policies


@dataclass
class Timings:
    """Seconds spent per stage (reported by the benchmark and ``--verbose``)."""

    stages: dict[str, float] = field(default_factory=dict)

    progress: Callable[[str], None] | None = None

    def add(self, stage: str, started: float) -> float:
        now = time.perf_counter()
        self.stages[stage] = self.stages.get(stage, 0.0) + now - started
        if self.progress is not None:
            self.progress(f"{stage} done ({(now - started) * 1000:.0f} ms)")
        return now


@dataclass
class Result:
    """Everything a run found out; commands decide what to print and the exit code."""

    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    policies: Policies | None = None
    analysis: Analysis | None = None
    timings: Timings = field(default_factory=Timings)
    output_root: Path | None = None
    shown_root: str = "out"
