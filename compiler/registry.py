"""Every diagnostic ID, listed explicitly (like yamllint's ``_RULES``), never discovered;
and the toolset a run uses: the tools, the policy format composed from them, their rules.

``backup-policy rules`` and ``docs/rules.md`` are made from :data:`RULES`; the pipeline
runs the policy and tree rules among them.
"""

from __future__ import annotations

from msgspec import Struct

from compiler import load, policies, verify, write_rules
from compiler.core.rule import Rule
from compiler.model import errors
from compiler.model.compose import PolicyKinds
from compiler.rules import (
    acknowledge,
    claims,
    components,
    coverage,
    flux,
    folders,
    importing,
    patches,
    proof,
    protection,
    restore_tests,
    services,
    targets,
    unread,
    wiring,
)
from compiler.tools.base import Tool
from compiler.toolset import TOOLS, policy_kinds
from compiler.tree import Inventory, root
from compiler.tree.census import TreeItem

CORE_RULES: tuple[Rule, ...] = (
    *load.RULES,
    *errors.RULES,
    *policies.RULES,
    *services.RULES,
    *folders.RULES,
    *targets.RULES,
    *restore_tests.RULES,
    *protection.RULES,
    *wiring.RULES,
    *components.RULES,
    *flux.RULES,
    *patches.RULES,
    *claims.RULES,
    *coverage.RULES,
    *unread.RULES,
    *importing.RULES,
    *proof.RULES,
    *verify.RULES,
    *write_rules.RULES,
    root.OUTPUT_ROOT,
    acknowledge.ACKNOWLEDGEMENT,
)


def collect(tools: tuple[Tool, ...]) -> tuple[Rule, ...]:
    """The core rules and every tool's, by ID; an ID declared twice is a bug."""
    found = list(CORE_RULES) + [rule for tool in tools for rule in tool.rules]
    ids = [rule.id for rule in found]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise RuntimeError(f"rule IDs declared twice: {', '.join(duplicates)}")
    return tuple(sorted(found, key=lambda rule: rule.id))


class Toolset(Struct, frozen=True):
    """The tools of a run with the policy models and the rules that come with them."""

    tools: tuple[Tool, ...]
    kinds: PolicyKinds
    rules: tuple[Rule, ...]

    def census_items(self, inventory: Inventory) -> tuple[TreeItem, ...]:
        """What the tools find in their own objects of the tree, for the coverage census."""
        return tuple(item for tool in self.tools for item in tool.census_items(inventory))


def make_toolset(tools: tuple[Tool, ...]) -> Toolset:
    return Toolset(tools, policy_kinds(tools), collect(tools))


DEFAULT = make_toolset(TOOLS)
RULES = DEFAULT.rules
