"""load -> model -> analyse -> policy rules: what ``validate`` and ``explain`` run."""

from __future__ import annotations

import datetime as dt
import time

from compiler.analyse import analyse
from compiler.config import RunConfig
from compiler.pipeline import Result, Timings
from compiler.policies import Policies, load_policies
from compiler.registry import DEFAULT, Toolset
from compiler.rules import PolicyContext, run_policy_rules


def load_stage(config: RunConfig, result: Result, toolset: Toolset) -> Policies | None:
    """Stages 1 and 2: every policy file read and validated against the composed models."""
    started = time.perf_counter()
    kinds = toolset.kinds.by_kind
    policies, problems = load_policies(
        config.policies, config.project_root, kinds, config.limits, config.repository
    )
    result.diagnostics.extend(problems)
    result.policies = policies
    result.timings.add("load", started)
    return policies


def analyse_stage(result: Result, policies: Policies, toolset: Toolset, today: dt.date) -> None:
    """Stage 4 and the policy rules over its result (deadlines judged on ``today``)."""
    started = time.perf_counter()
    result.analysis = analyse(policies, toolset.tools)
    started = result.timings.add("analyse", started)
    context = PolicyContext(result.analysis, toolset.tools, today)
    result.diagnostics.extend(run_policy_rules(toolset.rules, context))
    result.timings.add("policy rules", started)


def validate(
    config: RunConfig, toolset: Toolset = DEFAULT, timings: Timings | None = None
) -> Result:
    """The policies alone: the fast path for pre-commit. ``timings`` receives the stage
    times (by default a new :class:`Timings` reporting to ``config.progress``)."""
    if timings is None:
        timings = Timings(progress=config.progress)
    result = Result(timings=timings)
    policies = load_stage(config, result, toolset)
    if policies is not None:
        analyse_stage(result, policies, toolset, config.date)
        result.accept_acknowledged(toolset.rules, config.date)
    return result
