"""validate -> tree -> plan -> tree rules -> render -> compare -> verify: ``check``/``compile``."""

from __future__ import annotations

import time
from pathlib import Path

from compiler.config import RunConfig
from compiler.model.cluster import flux_variables
from compiler.pipeline import Result, Timings
from compiler.pipeline.validate import analyse_stage, load_stage
from compiler.plan import Plan, PlanContext
from compiler.plan.assemble import build_plan
from compiler.plan.docs import with_docs
from compiler.policies import Policies
from compiler.registry import DEFAULT, Toolset
from compiler.render import render
from compiler.rules import TreeContext, run_tree_rules
from compiler.tree import Inventory
from compiler.tree.parse_cache import DocumentCache
from compiler.tree.read import read_tree
from compiler.tree.root import OUTPUT_ROOT, root_problem
from compiler.verify import verify_rendered
from compiler.write import SCANNED_DIRS, Changes, compare


class BuildResult(Result):
    """A validate result plus the tree, the plan, the rendered files and the changes."""

    inventory: Inventory | None = None
    plan: Plan | None = None
    outputs: dict[str, str] | None = None
    changes: Changes | None = None


def output_given(config: RunConfig, configured: str) -> Path:
    """The output root as given (``--output``, else ``configured`` in the project root),
    absolute, links on the way not resolved."""
    given = config.output if config.output is not None else config.project_root / configured
    return given.absolute()


def output_root(config: RunConfig, configured: str) -> tuple[Path, str]:
    """The output root (its parent resolved, the root itself kept as a name so that a link
    there can be seen) and how messages show it (relative to the project root)."""
    given = output_given(config, configured)
    root = given.absolute().parent.resolve() / given.absolute().name
    if configured == "." and config.output is None:
        root = config.project_root
    try:
        shown = root.relative_to(config.project_root).as_posix() or "."
    except ValueError:
        shown = root.as_posix()
    return root, shown


def output_option_problem(config: RunConfig) -> str:
    """Why ``--output`` may not be used ('' when it may): a usage error."""
    if config.output is None:
        return ""
    root, _ = output_root(config, ".")
    problem = root_problem(config.repository, root)
    return f"--output: {problem}" if problem else ""


def _root_stage(config: RunConfig, result: BuildResult, policies: Policies) -> Path | None:
    """The output root, if it may be read and written (BP106 otherwise)."""
    configured = policies.cluster.policy.spec.output.root
    root, shown = output_root(config, configured)
    result.output_root, result.shown_root = root, shown
    result.output_given = output_given(config, configured)
    problem = root_problem(config.repository, root)
    if problem:
        path = ("spec", "output", "root")
        result.diagnostics.add(OUTPUT_ROOT.at(policies.cluster.doc, path, problem))
        return None
    return root


def _plan_stage(config: RunConfig, result: BuildResult, toolset: Toolset) -> None:
    assert result.analysis is not None and result.inventory is not None
    started = time.perf_counter()
    planning = PlanContext(result.analysis, result.inventory, config.date)
    result.plan = with_docs(build_plan(planning, toolset.tools), planning, toolset.tools)
    started = result.timings.add("plan", started)
    census = toolset.census_items(result.inventory)
    context = TreeContext(result.analysis, result.inventory, result.plan, config.fix, census)
    result.diagnostics.extend(run_tree_rules(toolset.rules, context))
    result.accept_acknowledged(toolset.rules, config.date)
    result.timings.add("tree rules", started)


def build(
    config: RunConfig, toolset: Toolset = DEFAULT, timings: Timings | None = None
) -> BuildResult:
    """Everything up to (not including) writing, in data order. ``timings`` receives the
    stage times (by default a new :class:`Timings` reporting to ``config.progress``)."""
    if timings is None:
        timings = Timings(progress=config.progress)
    result = BuildResult(timings=timings)
    policies = load_stage(config, result, toolset)
    root = _root_stage(config, result, policies) if policies is not None else None
    if policies is None or root is None:
        return result
    started = time.perf_counter()
    documents = _parse_cache(config, root)
    inventory = read_tree(
        root, result.shown_root, skip=(config.policies,), parse=documents.documents
    )
    result.inventory = inventory
    result.timings.add("tree", started)
    try:
        return _from_tree(config, result, policies, toolset, (root, inventory))
    finally:  # after every stage that parses a file of the tree
        started = time.perf_counter()
        documents.save()
        result.timings.add("parse cache", started)


def _parse_cache(config: RunConfig, root: Path) -> DocumentCache:
    if config.parse_cache_of is None:
        return DocumentCache.open(root)
    return DocumentCache.open(config.parse_cache_of, keep=False)


def _from_tree(
    config: RunConfig,
    result: BuildResult,
    policies: Policies,
    toolset: Toolset,
    tree: tuple[Path, Inventory],
) -> BuildResult:
    """Analyse, plan, tree rules, render, compare and verify, over the tree read (its
    root, and the inventory of it)."""
    root, inventory = tree
    analyse_stage(result, policies, toolset, config.date)
    result.accept_acknowledged(toolset.rules, config.date)
    if result.diagnostics.has_errors or result.analysis is None:
        return result
    _plan_stage(config, result, toolset)
    started = time.perf_counter()
    spec = policies.cluster.policy.spec
    plan, flux = result.plan or Plan(()), spec.flux.substitution
    result.outputs = render(plan, flux, flux_variables(spec), config.workers)
    started = result.timings.add("render", started)
    docs = f"{policies.cluster.policy.spec.docs.folder}/"
    drills = (f"{policies.cluster.policy.spec.output.drills}/",)
    result.changes = compare(root, inventory, result.outputs, (*SCANNED_DIRS, docs), drills)
    started = result.timings.add("compare", started)
    # What a compile would write: a file equal to the tree's is not written, and its text
    # is what the tree holds already (re-parsing 5,000 unchanged files took 0.9 s).
    result.diagnostics.extend(verify_rendered(result.changes.writes, config.workers))
    result.timings.add("verify", started)
    return result
