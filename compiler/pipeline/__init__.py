"""The stages in data-flow order, timed: ``validate`` (load, model, analyse, policy rules)
and ``build`` (validate, then tree, plan, tree rules, render, verify, compare).

The two live in separate modules so that ``validate``, the pre-commit fast path, never
imports the tree, render or write stages.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from msgspec import Struct, field

from compiler.analyse import Analysis
from compiler.core.diagnostics import Diagnostics
from compiler.core.rule import Rule
from compiler.policies import Policies
from compiler.rules.acknowledge import Acknowledged, acknowledge


class Timings(Struct):
    """Seconds spent per stage (reported by the benchmark and ``--verbose``).

    Each stage ends with :meth:`add`, which returns the start of the next one: a subclass
    that measures more at a stage's end (the benchmark's memory figures) overrides it.
    """

    stages: dict[str, float] = field(default_factory=dict)

    progress: Callable[[str], None] | None = None

    def add(self, stage: str, started: float) -> float:
        now = time.perf_counter()
        self.stages[stage] = self.stages.get(stage, 0.0) + now - started
        if self.progress is not None:
            self.progress(f"{stage} done ({(now - started) * 1000:.0f} ms)")
        return now


class Result(Struct):
    """Everything a run found out; commands decide what to print and the exit code."""

    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    policies: Policies | None = None
    analysis: Analysis | None = None
    timings: Timings = field(default_factory=Timings)
    output_root: Path | None = None
    output_given: Path | None = None
    """The output root as configured (absolute, links on the way not resolved): the path
    whose target a replay must see change (compiler.core.replay)."""
    shown_root: str = "out"
    acknowledged: list[Acknowledged] = field(default_factory=list)

    def accept_acknowledged(self, rules: Sequence[Rule], today: dt.date) -> None:
        """Take the problems the policies acknowledge out of the report (--verbose lists them)."""
        if self.policies is None:
            return
        kept, accepted = acknowledge(self.diagnostics.items, self.policies, rules, today)
        self.diagnostics = Diagnostics()
        self.diagnostics.extend(kept)
        self.acknowledged += accepted
