"""Rules tying services to the restore-test plan."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.diagnostics import Diagnostic
from compiler.model.build import did_you_mean
from compiler.rules import RuleContext, rule


@rule("BP320", "unknown-restore-test")
def unknown_restore_test(context: RuleContext) -> Iterator[Diagnostic]:
    """A service references restore tests that the plan defines.

    Passing: ``restoreTests: [BT-LH-01]`` and the plan has ``id: BT-LH-01``.
    Failing: ``restoreTests: [BT-LH-1]``.
    """
    plan = context.policies.restore_plan
    known = {t.id for t in plan.policy.spec.tests} if plan else set()
    for source in context.policies.services:
        for index, test_id in enumerate(source.policy.spec.restore_tests):
            if test_id not in known:
                yield source.doc.diagnostic(
                    ("spec", "restoreTests", index),
                    "BP320",
                    f"restore test {test_id!r} is not in the plan",
                    did_you_mean(test_id, known) or "add it to the RestoreTestPlan",
                )


@rule("BP321", "restore-test-scope")
def restore_test_scope(context: RuleContext) -> Iterator[Diagnostic]:
    """A test's scope names services and namespaces that have policies.

    Passing: ``scope: {services: [productivity/paperless]}``.
    Failing: ``scope: {services: [productivity/paperles]}``.
    """
    plan = context.policies.restore_plan
    if plan is None:
        return
    services = {s.policy.key for s in context.policies.services}
    namespaces = {s.policy.metadata.namespace for s in context.policies.services}
    for t_index, test in enumerate(plan.policy.spec.tests):
        for kind, names, known in (
            ("services", test.scope.services, services),
            ("namespaces", test.scope.namespaces, namespaces),
        ):
            for index, name in enumerate(names):
                if name not in known:
                    yield plan.doc.diagnostic(
                        ("spec", "tests", t_index, "scope", kind, index),
                        "BP321",
                        f"{test.id} scope names {name!r}, which no service policy declares",
                        did_you_mean(name, known),
                    )


@rule("BP322", "duplicate-restore-test")
def duplicate_restore_test(context: RuleContext) -> Iterator[Diagnostic]:
    """Restore test IDs are unique.

    Passing: BT-LH-01 and BT-K8-01.  Failing: BT-LH-01 twice.
    """
    plan = context.policies.restore_plan
    if plan is None:
        return
    seen: set[str] = set()
    for index, test in enumerate(plan.policy.spec.tests):
        if test.id in seen:
            yield plan.doc.diagnostic(
                ("spec", "tests", index, "id"), "BP322", f"restore test {test.id} is defined twice"
            )
        seen.add(test.id)
