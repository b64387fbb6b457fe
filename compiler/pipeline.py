"""The stages in data-flow order, timed; every command runs a prefix of this."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from compiler.analyse import Analysis, analyse
from compiler.config import RunConfig
from compiler.diagnostics import Diagnostic, Diagnostics
from compiler.kustomization import Wiring
from compiler.policies import Policies, load_policies
from compiler.write import Changes


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
    outputs: dict[str, str] | None = None
    changes: Changes | None = None
    wiring: list[Wiring] = field(default_factory=list)
    output_root: Path | None = None
    shown_root: str = "out"
    timings: Timings = field(default_factory=Timings)


def validate(config: RunConfig) -> Result:
    """Load, model and analyse: the fast path for pre-commit."""
    result = Result(timings=Timings(progress=config.progress))
    started = time.perf_counter()
    policies, problems = load_policies(config.policies, config.project_root)
    result.diagnostics.extend(problems)
    started = result.timings.add("load+validate", started)
    if policies is None:
        return result
    result.policies = policies
    result.analysis = analyse(policies)
    result.diagnostics.extend(result.analysis.diagnostics)
    result.timings.add("analyse", started)
    return result


def _output_root(config: RunConfig, policies: Policies) -> tuple[Path, str]:
    if config.output is not None:
        root = config.output.resolve()
    else:
        root = (config.project_root / policies.cluster.policy.spec.output.root).resolve()
    try:
        shown = root.relative_to(config.project_root).as_posix() or "."
    except ValueError:
        shown = root.as_posix()
    return root, shown


def build(config: RunConfig) -> Result:
    """Everything up to (not including) writing: render, verify and compare with disk."""
    # Imported here so that `validate` (the pre-commit fast path) skips Jinja2 and friends.
    from compiler.kustomization import check_wiring
    from compiler.litestream.committed import committed_checks
    from compiler.plan import build_plan
    from compiler.render import render
    from compiler.targets import check_patch_targets
    from compiler.verify import verify_rendered
    from compiler.write import compare

    result = validate(config)
    if result.diagnostics.has_errors or result.analysis is None or result.policies is None:
        return result
    started = time.perf_counter()
    plan = build_plan(result.analysis)
    outputs = render(plan)
    started = result.timings.add("plan+render", started)
    result.diagnostics.extend(verify_rendered(outputs))
    started = result.timings.add("verify", started)
    root, shown = _output_root(config, result.policies)
    result.output_root, result.shown_root, result.outputs = root, shown, outputs
    result.diagnostics.extend(committed_checks(root, result.analysis))
    result.changes = compare(root, outputs, shown)
    result.diagnostics.extend(result.changes.conflicts)
    wiring_problems, result.wiring = check_wiring(root, shown, plan.components)
    result.diagnostics.extend(check_patch_targets(root, shown, plan, result.analysis))
    if not config.fix:
        result.diagnostics.extend(wiring_problems)
    else:
        result.diagnostics.extend(p for p in wiring_problems if p.rule != "BP402")
    result.timings.add("compare", started)
    return result


def errors_of(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.level == "error"]
