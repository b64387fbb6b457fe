"""Rules proving that restores work: restore tests on time and passing, every service
covered by one, and the measured restore time within the RTO (SPEC §5)."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.analyse import EffectiveService
from compiler.analyse.evidence import Standing, covers, rto_evidence, standings
from compiler.core.diagnostics import Diagnostic, Level
from compiler.core.durations import humanize
from compiler.rules import PolicyContext, policy_rule


def _critical_covered(context: PolicyContext, standing: Standing) -> list[EffectiveService]:
    return [
        s
        for s in context.analysis.services
        if s.classification == "critical" and covers(standing.test, s, context.analysis)
    ]


@policy_rule(
    "BP323",
    "restore-test-overdue",
    "warning",
    passing="frequency: quarterly, last passed 2026-10-06, checked on 2026-12-06",
    failing="frequency: quarterly, last passed 2026-03-02, checked on 2026-12-06",
)
def restore_test_overdue(context: PolicyContext) -> Iterator[Diagnostic]:
    """A restore test passes again within its frequency plus the plan's grace period.

    Judged on today's date (``--today`` or SOURCE_DATE_EPOCH to fix it). A test that never
    passed is overdue. An error when the test covers a critical service.
    """
    plan = context.analysis.policies.restore_plan
    for standing in standings(context.analysis.policies, context.today):
        if not standing.overdue or plan is None:
            continue
        critical = _critical_covered(context, standing)
        since = (
            f"last passed {standing.last_pass.date}, due {standing.due}"
            if standing.last_pass is not None
            else "it never passed"
        )
        yield restore_test_overdue.at(
            plan.doc,
            ("spec", "tests", standing.index, "id"),
            f"restore test {standing.test.id} is overdue on {context.today}: {since} "
            f"({standing.test.frequency}, grace {humanize(plan.policy.spec.grace_period)})",
            f"run it ({standing.test.responsible}) and record the run in its protocol",
            level="error" if critical else None,
            subjects=(standing.test.id, *(s.key for s in critical)),
        )


@policy_rule(
    "BP325",
    "restore-test-failing",
    "error",
    passing="protocol: [..., {date: 2026-10-20, result: passed}]",
    failing="protocol: [..., {date: 2026-09-22, result: partial}]",
)
def restore_test_failing(context: PolicyContext) -> Iterator[Diagnostic]:
    """The last run of a restore test passed.

    A failed or partial run means a restore does not fully work today; it stays an error
    until a later run passes.
    """
    plan = context.analysis.policies.restore_plan
    for standing in standings(context.analysis.policies, context.today):
        if not standing.failing or plan is None or standing.last_run is None:
            continue
        run = standing.last_run
        yield restore_test_failing.at(
            plan.doc,
            ("spec", "tests", standing.index, "protocol", standing.last_run_index, "result"),
            f"restore test {standing.test.id}: the last run ({run.date}) is {run.result}",
            "fix what the run found, run the test again and record the passing run",
            subjects=(standing.test.id,),
        )


@policy_rule(
    "BP326",
    "service-untested",
    "warning",
    passing="a test with scope: {namespaces: [media]} for a service in media",
    failing="no test names the service, its namespace, or is in its restoreTests",
)
def service_untested(context: PolicyContext) -> Iterator[Diagnostic]:
    """Every service is covered by a restore test of the plan.

    A test covers a service when its scope names the service or its namespace, or when the
    service lists it under ``restoreTests``, and its drill restores something of the
    service: a K8up test does not cover a service only VolSync backs up (``full-dr``
    restores every service it names).
    """
    plan = context.analysis.policies.restore_plan
    tests = plan.policy.spec.tests if plan is not None else []
    for service in context.analysis.services:
        if not any(covers(test, service, context.analysis) for test in tests):
            yield service_untested.at(
                service.source.doc,
                ("metadata", "name"),
                f"{service.key}: no restore test covers this service: its restore and its "
                "RTO are unproven",
                "add it to the scope of a test in the restore-test plan",
                subjects=(service.key,),
            )


def _rto_level(service: EffectiveService) -> Level | None:
    return "error" if service.classification == "critical" else None


@policy_rule(
    "BP327",
    "rto-exceeded",
    "warning",
    passing="rto: 4h  # the last passing restore took 25m",
    failing="rto: 1h  # the last passing restore took 3h30m",
)
def rto_exceeded(context: PolicyContext) -> Iterator[Diagnostic]:
    """The last passing restore that covers a service took no longer than its RTO.

    The evidence is the newest passing run, among the tests covering the service, that
    recorded a duration. An error for a critical service.
    """
    for service in context.analysis.services:
        evidence = rto_evidence(context.analysis, service)
        if evidence is None or not evidence.exceeds(service.rto):
            continue
        path = ("spec", "rto") if service.source.policy.spec.rto else ("spec", "classification")
        yield rto_exceeded.at(
            service.source.doc,
            path,
            f"{service.key}: RTO {humanize(service.rto)} not proven: the last passing restore "
            f"({evidence.test.id}, {evidence.run.date}) took {humanize(evidence.duration)}",
            "make the restore faster (runbook, smaller volumes) or relax the RTO",
            level=_rto_level(service),
            subjects=(service.key,),
        )


@policy_rule(
    "BP328",
    "rto-unproven",
    "warning",
    passing="a test covering the service with a passing run that recorded duration: 25m",
    failing="no passing run with a duration among the tests covering the service",
)
def rto_unproven(context: PolicyContext) -> Iterator[Diagnostic]:
    """A service's RTO is backed by a measured restore.

    Without a passing run that recorded how long the restore took, the RTO is a wish.
    ``--strict`` makes it an error. A service no test covers is BP326 instead.
    """
    plan = context.analysis.policies.restore_plan
    tests = plan.policy.spec.tests if plan is not None else []
    for service in context.analysis.services:
        if not any(covers(test, service, context.analysis) for test in tests):
            continue
        if rto_evidence(context.analysis, service) is not None:
            continue
        path = ("spec", "rto") if service.source.policy.spec.rto else ("spec", "classification")
        yield rto_unproven.at(
            service.source.doc,
            path,
            f"{service.key}: RTO {humanize(service.rto)} unproven: no passing restore test "
            "covering it recorded a duration",
            "run a restore test that covers it and record its duration",
            subjects=(service.key,),
        )


RULES = (
    restore_test_overdue,
    restore_test_failing,
    service_untested,
    rto_exceeded,
    rto_unproven,
)
