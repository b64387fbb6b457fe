"""validate -> tree -> census: what ``coverage`` runs.

The policies are optional here: without a policy folder (``--output`` then names the tree),
every item of the tree is uncovered, which is where adopting backup-policy starts. The tree
is only read, so the output root may be anywhere (``check`` and ``compile`` keep it inside
the repository because they write there).
"""

from __future__ import annotations

import time

from compiler.analyse.census import Row, census
from compiler.config import RunConfig
from compiler.pipeline import Result, Timings
from compiler.pipeline.build import output_root
from compiler.pipeline.validate import analyse_stage, load_stage
from compiler.registry import DEFAULT, Toolset
from compiler.rules.coverage import uncovered_in_policy, uncovered_in_tree
from compiler.tree import Inventory
from compiler.tree.read import read_tree


class CoverageResult(Result):
    """A validate result (when there are policies), the tree and its census."""

    inventory: Inventory | None = None
    rows: tuple[Row, ...] = ()


def _tree_stage(config: RunConfig, result: CoverageResult, configured: str) -> Inventory:
    started = time.perf_counter()
    root, shown = output_root(config, configured)
    result.output_root, result.shown_root = root, shown
    skip = (config.policies,) if config.policies.is_dir() else ()
    inventory = read_tree(root, shown, skip=skip)
    result.timings.add("tree", started)
    return inventory


def coverage(
    config: RunConfig, toolset: Toolset = DEFAULT, timings: Timings | None = None
) -> CoverageResult:
    """The census of the tree at ``--output`` (or the cluster policy's output root)."""
    result = CoverageResult(timings=timings or Timings(progress=config.progress))
    policies = load_stage(config, result, toolset) if config.policies.is_dir() else None
    if config.policies.is_dir() and policies is None:
        return result
    configured = policies.cluster.policy.spec.output.root if policies is not None else "."
    result.inventory = _tree_stage(config, result, configured)
    if policies is not None:
        analyse_stage(result, policies, toolset, config.date)
    analysis = result.analysis
    services = analysis.services if analysis is not None else ()
    started = time.perf_counter()
    found = toolset.census_items(result.inventory)
    result.rows = census(result.inventory, services, analysis.coverage if analysis else (), found)
    result.diagnostics.extend(
        uncovered_in_tree(row, result.inventory)
        if row.service is None
        else uncovered_in_policy(row)
        for row in result.rows
        if row.state == "uncovered" and row.item.file
    )
    result.accept_acknowledged(toolset.rules, config.date)
    result.timings.add("census", started)
    return result
