"""Rules tying services to the restore-test plan: the tests they name exist, each run is
dated no later than today, and a service is rehearsed as often as its class asks."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.analyse.evidence import covers
from compiler.core.diagnostics import Diagnostic
from compiler.core.text import did_you_mean
from compiler.model.types import FREQUENCY_MONTHS
from compiler.rules import PolicyContext, policy_rule


@policy_rule(
    "BP320",
    "unknown-restore-test",
    "error",
    passing="restoreTests: [BT-LH-01]  # the plan has id: BT-LH-01",
    failing="restoreTests: [BT-LH-1]",
)
def unknown_restore_test(context: PolicyContext) -> Iterator[Diagnostic]:
    """A service references restore tests that the plan defines."""
    policies = context.analysis.policies
    plan = policies.restore_plan
    known = {t.id for t in plan.policy.spec.tests} if plan else set()
    for source in policies.services:
        for index, test_id in enumerate(source.policy.spec.restore_tests):
            if test_id not in known:
                yield unknown_restore_test.at(
                    source.doc,
                    ("spec", "restoreTests", index),
                    f"restore test {test_id!r} is not in the plan",
                    did_you_mean(test_id, known) or "add it to the RestoreTestPlan",
                )


@policy_rule(
    "BP321",
    "restore-test-scope",
    "error",
    passing="scope: {services: [productivity/paperless]}",
    failing="scope: {services: [productivity/paperles]}",
)
def restore_test_scope(context: PolicyContext) -> Iterator[Diagnostic]:
    """A test's scope names services and namespaces that have policies."""
    policies = context.analysis.policies
    plan = policies.restore_plan
    if plan is None:
        return
    services = {s.policy.key for s in policies.services}
    namespaces = {s.policy.metadata.namespace for s in policies.services}
    for t_index, test in enumerate(plan.policy.spec.tests):
        for kind, names, known in (
            ("services", test.scope.services, services),
            ("namespaces", test.scope.namespaces, namespaces),
        ):
            for index, name in enumerate(names):
                if name not in known:
                    yield restore_test_scope.at(
                        plan.doc,
                        ("spec", "tests", t_index, "scope", kind, index),
                        f"{test.id} scope names {name!r}, which no service policy declares",
                        did_you_mean(name, known),
                    )


@policy_rule(
    "BP322",
    "duplicate-restore-test",
    "error",
    passing="tests: [{id: BT-LH-01, ...}, {id: BT-K8-01, ...}]",
    failing="tests: [{id: BT-LH-01, ...}, {id: BT-LH-01, ...}]",
)
def duplicate_restore_test(context: PolicyContext) -> Iterator[Diagnostic]:
    """Restore test IDs are unique."""
    plan = context.analysis.policies.restore_plan
    if plan is None:
        return
    seen: set[str] = set()
    for index, test in enumerate(plan.policy.spec.tests):
        if test.id in seen:
            yield duplicate_restore_test.at(
                plan.doc, ("spec", "tests", index, "id"), f"restore test {test.id} is defined twice"
            )
        seen.add(test.id)


@policy_rule(
    "BP329",
    "restore-run-ahead",
    "error",
    passing="protocol: [{date: 2026-10-06, result: passed}]  # judged on 2026-12-06",
    failing="protocol: [{date: 2062-01-01, result: passed}]  # judged on 2026-12-06",
)
def run_ahead(context: PolicyContext) -> Iterator[Diagnostic]:
    """A restore test's run is dated no later than today.

    A run dated ahead would count as the test's last pass, and hold its deadline off,
    until years after the restore was really rehearsed.
    """
    plan = context.analysis.policies.restore_plan
    if plan is None:
        return
    for index, test in enumerate(plan.policy.spec.tests):
        for number, run in enumerate(test.protocol):
            if run.date > context.today:
                yield run_ahead.at(
                    plan.doc,
                    ("spec", "tests", index, "protocol", number, "date"),
                    f"restore test {test.id}: a run dated {run.date}, after today "
                    f"({context.today})",
                    "write the day the test ran (--today sets the day the plan is judged on)",
                    subjects=(test.id,),
                )


@policy_rule(
    "BP306",
    "restore-test-cadence",
    "warning",
    passing="class critical: {restoreTest: quarterly}; a quarterly test covers its services",
    failing="class critical: {restoreTest: quarterly}; only a yearly test covers n8n",
)
def cadence(context: PolicyContext) -> Iterator[Diagnostic]:
    """A service is covered by a restore test run as often as its class's ``restoreTest``
    asks (a service no test covers is BP326)."""
    plan = context.analysis.policies.restore_plan
    tests = plan.policy.spec.tests if plan is not None else []
    for service in context.analysis.services:
        covering = [t for t in tests if covers(t, service, context.analysis)]
        wanted = service.defaults.restore_test
        if (
            not covering
            or min(FREQUENCY_MONTHS[t.frequency] for t in covering) <= FREQUENCY_MONTHS[wanted]
        ):
            continue
        runs = ", ".join(f"{t.id} {t.frequency}" for t in covering)
        yield cadence.at(
            service.source.doc,
            ("spec", "classification"),
            f"{service.key}: class {service.classification} asks for a {wanted} restore "
            f"test, and the tests covering it run less often ({runs})",
            f"add a {wanted} test that restores it, or run one of them {wanted}",
            subjects=(service.key,),
        )


RULES = (unknown_restore_test, restore_test_scope, duplicate_restore_test, run_ahead, cadence)
