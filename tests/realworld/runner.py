"""Check policies against a real-world tree read in place (../shared/realworld): the
stages of ``backup-policy check`` up to the tree rules, with the tree from its own folder
(outside this repository, where ``check`` would not read it)."""

from __future__ import annotations

from pathlib import Path

from compiler.config import RunConfig
from compiler.core.diagnostics import Diagnostic
from compiler.pipeline import Result
from compiler.pipeline.validate import analyse_stage, load_stage
from compiler.plan import Plan, PlanContext
from compiler.plan.assemble import build_plan
from compiler.registry import DEFAULT
from compiler.rules import TreeContext, run_tree_rules
from compiler.tree.read import read_tree

HERE = Path(__file__).parent


def check_in_place(
    tree: Path, policies: Path, skip: tuple[str, ...] = ()
) -> tuple[list[Diagnostic], Plan]:
    """Every diagnostic of the policies against ``tree`` (its folders ``skip`` left out; no
    file is written)."""
    config = RunConfig(policies=policies)
    result = Result()
    loaded = load_stage(config, result, DEFAULT)
    assert loaded is not None, [d.render() for d in result.diagnostics.sorted()]
    analyse_stage(result, loaded, DEFAULT, config.date)
    assert result.analysis is not None and not result.diagnostics.has_errors, [
        d.render() for d in result.diagnostics.sorted()
    ]
    inventory = read_tree(tree, tree.name, skip=tuple(tree / s for s in skip))
    plan = build_plan(PlanContext(result.analysis, inventory, config.date), DEFAULT.tools)
    context = TreeContext(result.analysis, inventory, plan)
    result.diagnostics.extend(run_tree_rules(DEFAULT.rules, context))
    result.accept_acknowledged(DEFAULT.rules, config.date)
    return result.diagnostics.sorted(), plan
