"""Rules: small checks with stable IDs, each declared once with its documentation.

A rule is a value (:class:`PolicyRule` or :class:`TreeRule`) made by decorating its check;
the check's docstring is the rule's documentation and the rule creates its own diagnostics
(``rule.at(doc, path, message)``). Policy rules look at the policies and their analysis
(they run in ``validate``); tree rules also see the inventory of the user's tree and the
plan of what would be written (``check`` and ``compile``). ``compiler/registry.py`` lists
every rule explicitly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cached_property

from msgspec import Struct, field

from compiler.analyse import Analysis, ToolAnalysis
from compiler.core.diagnostics import Diagnostic, Level
from compiler.core.rule import Rule, docstring_parts
from compiler.plan import Plan
from compiler.plan.overlay import after_compile
from compiler.tree import Inventory
from compiler.tree.census import TreeItem


class PolicyContext(Struct, frozen=True):
    """What policy rules may look at: the analysis and the tools it came from."""

    analysis: Analysis
    tools: Sequence[ToolAnalysis] = ()
    today: dt.date = field(default_factory=dt.date.today)
    """The day restore-test deadlines are judged on (``--today``, SOURCE_DATE_EPOCH)."""


class TreeContext(Struct, frozen=True, dict=True):
    """What tree rules may look at: the policies' analysis, the user's tree and the plan."""

    analysis: Analysis
    inventory: Inventory
    plan: Plan
    fix: bool = False
    census_items: tuple[TreeItem, ...] = ()
    """What the tools find in their own objects of the tree (the coverage census's)."""

    @cached_property
    def tree_after(self) -> Inventory:
        """The tree as this compile leaves it (:func:`after_compile`), made once for every
        rule that asks (with its own indexes, built once too): the plan's own when it made
        one."""
        if self.plan.tree_after is not None:
            return self.plan.tree_after
        return after_compile(self.inventory, self.plan)


PolicyCheck = Callable[[PolicyContext], Iterable[Diagnostic]]
TreeCheck = Callable[[TreeContext], Iterable[Diagnostic]]


def _no_policy_check(context: PolicyContext) -> Iterable[Diagnostic]:
    return ()


def _no_tree_check(context: TreeContext) -> Iterable[Diagnostic]:
    return ()


class PolicyRule(Rule, frozen=True):
    stage: str = "policy"
    check: PolicyCheck = _no_policy_check


class TreeRule(Rule, frozen=True):
    stage: str = "tree"
    check: TreeCheck = _no_tree_check


def policy_rule(
    rule_id: str, name: str, level: Level, *, passing: str, failing: str
) -> Callable[[PolicyCheck], PolicyRule]:
    """Make the decorated check a PolicyRule documented by its docstring."""

    def make(check: PolicyCheck) -> PolicyRule:
        summary, doc = docstring_parts(check)
        return PolicyRule(rule_id, name, level, summary, doc, passing, failing, check=check)

    return make


def tree_rule(
    rule_id: str,
    name: str,
    level: Level,
    *,
    passing: str,
    failing: str,
    acknowledgeable: bool = True,
) -> Callable[[TreeCheck], TreeRule]:
    """Make the decorated check a TreeRule documented by its docstring."""

    def make(check: TreeCheck) -> TreeRule:
        summary, doc = docstring_parts(check)
        return TreeRule(
            rule_id,
            name,
            level,
            summary,
            doc,
            passing,
            failing,
            acknowledgeable=acknowledgeable,
            check=check,
        )

    return make


def run_policy_rules(rules: Iterable[Rule], context: PolicyContext) -> Iterator[Diagnostic]:
    for rule in rules:
        if isinstance(rule, PolicyRule):
            yield from rule.check(context)


def run_tree_rules(rules: Iterable[Rule], context: TreeContext) -> Iterator[Diagnostic]:
    for rule in rules:
        if isinstance(rule, TreeRule):
            yield from rule.check(context)
