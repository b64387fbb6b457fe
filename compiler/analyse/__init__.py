"""Stage 3, analyse: effective settings, spread schedules, RPO coverage and rule checks."""

from __future__ import annotations

from dataclasses import dataclass

from compiler.analyse.effective import EffectiveService, effective_services
from compiler.analyse.jobs import collect_jobs
from compiler.analyse.rpo import Coverage, coverage
from compiler.analyse.schedule import ScheduleBook, resolve_all
from compiler.diagnostics import Diagnostic
from compiler.policies import Policies


@dataclass(frozen=True)
class Analysis:
    """The policies with everything derived from them that later stages need."""

    policies: Policies
    services: tuple[EffectiveService, ...]
    schedules: ScheduleBook
    coverage: tuple[Coverage, ...]
    diagnostics: tuple[Diagnostic, ...]


def analyse(policies: Policies) -> Analysis:
    """Resolve schedules, compute coverage and run every rule."""
    from compiler.rules import RuleContext, run_rules

    cluster = policies.cluster.policy.spec
    services = effective_services(policies)
    book = resolve_all(collect_jobs(cluster, services))
    items = coverage(cluster, services, book)
    context = RuleContext(policies, tuple(services), book, tuple(items))
    return Analysis(policies, tuple(services), book, tuple(items), tuple(run_rules(context)))
