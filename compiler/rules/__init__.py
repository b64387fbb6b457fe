"""Semantic rules: small checks with stable IDs, run over the validated policies.

Each rule module registers functions with :func:`rule`. A rule's docstring carries a
passing and a failing example; ``backup-policy rules`` lists them.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from compiler.analyse.effective import EffectiveService
from compiler.analyse.rpo import Coverage
from compiler.analyse.schedule import ScheduleBook
from compiler.diagnostics import Diagnostic
from compiler.policies import Policies


@dataclass(frozen=True)
class RuleContext:
    """What rules may look at: the policies and the analysis derived from them."""

    policies: Policies
    services: tuple[EffectiveService, ...]
    schedules: ScheduleBook
    coverage: tuple[Coverage, ...]


Check = Callable[[RuleContext], Iterable[Diagnostic]]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    check: Check

    @property
    def doc(self) -> str:
        return (self.check.__doc__ or "").strip()


REGISTRY: dict[str, Rule] = {}


def rule(rule_id: str, name: str) -> Callable[[Check], Check]:
    """Register ``check`` under ``rule_id``."""

    def register(check: Check) -> Check:
        if rule_id in REGISTRY:
            raise RuntimeError(f"rule {rule_id} registered twice")
        REGISTRY[rule_id] = Rule(rule_id, name, check)
        return check

    return register


def _load_rule_modules() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def run_rules(context: RuleContext) -> Iterator[Diagnostic]:
    """Every rule's diagnostics, rules in ID order."""
    _load_rule_modules()
    for rule_id in sorted(REGISTRY):
        yield from REGISTRY[rule_id].check(context)
