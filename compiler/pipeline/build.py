"""validate -> tree -> plan -> tree rules -> render -> verify -> compare: ``check``/``compile``."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from compiler.config import RunConfig
from compiler.pipeline import Result, Timings
from compiler.pipeline.validate import analyse_stage, load_stage
from compiler.plan import Plan, PlanContext, build_plan
from compiler.registry import DEFAULT, Toolset
from compiler.render import render
from compiler.rules import TreeContext, run_tree_rules
from compiler.tree import Inventory
from compiler.tree.read import read_tree
from compiler.verify import verify_rendered
from compiler.write import Changes, compare


@dataclass
class BuildResult(Result):
    """A validate result plus the tree, the plan, the rendered files and the changes."""

    inventory: Inventory | None = None
    plan: Plan | None = None
    outputs: dict[str, str] | None = None
    changes: Changes | None = None


def output_root(config: RunConfig, configured: str) -> tuple[Path, str]:
    """The output root and how messages show it (relative to the project root)."""
    root = (config.output or config.project_root / configured).resolve()
    try:
        shown = root.relative_to(config.project_root).as_posix() or "."
    except ValueError:
        shown = root.as_posix()
    return root, shown


def build(config: RunConfig, toolset: Toolset = DEFAULT) -> BuildResult:
    """Everything up to (not including) writing, in data order."""
    result = BuildResult(timings=Timings(progress=config.progress))
    policies = load_stage(config, result, toolset)
    if policies is None:
        return result
    started = time.perf_counter()
    root, shown = output_root(config, policies.cluster.policy.spec.output.root)
    result.output_root, result.shown_root = root, shown
    result.inventory = read_tree(root, shown, skip=(config.policies,))
    result.timings.add("tree", started)
    analyse_stage(result, policies, toolset)
    if result.diagnostics.has_errors or result.analysis is None:
        return result
    started = time.perf_counter()
    result.plan = build_plan(PlanContext(result.analysis, result.inventory), toolset.tools)
    context = TreeContext(result.analysis, result.inventory, result.plan, config.fix)
    result.diagnostics.extend(run_tree_rules(toolset.rules, context))
    started = result.timings.add("plan", started)
    result.outputs = render(result.plan)
    started = result.timings.add("render", started)
    result.diagnostics.extend(verify_rendered(result.outputs))
    started = result.timings.add("verify", started)
    result.changes = compare(root, result.inventory, result.outputs)
    result.timings.add("compare", started)
    return result
