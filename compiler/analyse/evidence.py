"""What the restore-test plan proves: which tests cover a service, when each is due, and the
RTO evidence (the last passing run that covers a service, and how long it took).

A test covers a service when its scope names the service or the service's namespace, or
when the service lists the test under ``restoreTests``, and its type restores one of the
service's copies (a ``full-dr`` test: any service it names). A test is due its frequency
after its last passing run, in calendar months; it is overdue once the plan's grace period
has passed as well. A test that never passed is due from the start.
"""

from __future__ import annotations

import calendar
import datetime as dt

from msgspec import Struct

from compiler.analyse import Analysis
from compiler.analyse.effective import EffectiveService
from compiler.model.restore import RestoreTest, Run
from compiler.model.types import FREQUENCY_MONTHS
from compiler.policies import Policies


class Standing(Struct, frozen=True):
    """Where one restore test stands on a day."""

    test: RestoreTest
    index: int
    """The test's position in the plan (for the diagnostics' positions)."""
    last_pass: Run | None
    last_run: Run | None
    last_run_index: int
    """The last run's position in the protocol (-1: never run)."""
    due: dt.date | None
    """The day the test must have passed again by (None: it never passed)."""
    overdue: bool

    @property
    def failing(self) -> bool:
        """The last run failed or was partial, and no later run passed."""
        return self.last_run is not None and self.last_run.result != "passed"


class RtoEvidence(Struct, frozen=True):
    """The last passing run that covers a service, with a measured duration."""

    test: RestoreTest
    run: Run
    duration: int

    def exceeds(self, rto: int) -> bool:
        return self.duration > rto


FULL_DR = "full-dr"
"""The test type that restores every service it names (the runbook, not one tool's drill)."""


def covers(test: RestoreTest, service: EffectiveService, analysis: Analysis) -> bool:
    """Whether ``test`` proves ``service``'s restore: it names the service (its scope names
    the service or its namespace, or the service lists it under ``restoreTests``) and its
    drill restores one of the service's copies: a K8up drill does not restore a service
    only VolSync backs up, whatever namespace they share."""
    restores = test.type == FULL_DR or test.type in analysis.restored_by(service)
    return names(test, service) and restores


def covering(analysis: Analysis, service: EffectiveService) -> list[RestoreTest]:
    """The plan's tests that cover ``service``, in the plan's order."""
    plan = analysis.policies.restore_plan
    tests = plan.policy.spec.tests if plan is not None else []
    return [test for test in tests if covers(test, service, analysis)]


def names(test: RestoreTest, service: EffectiveService) -> bool:
    """Whether ``test`` is meant for ``service``: its scope names the service or its
    namespace, or the service lists it (a drill says what of it the test cannot restore)."""
    return (
        service.key in test.scope.services
        or service.namespace in test.scope.namespaces
        or test.id in service.source.policy.spec.restore_tests
    )


def months_later(day: dt.date, months: int) -> dt.date:
    """``day`` ``months`` calendar months later (the month's last day when it is shorter:
    31 August plus 6 months is 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _latest(runs: list[Run], passed_only: bool) -> tuple[int, Run | None]:
    """The newest run (and its index): the date decides, a later entry breaks a tie."""
    chosen = [(i, r) for i, r in enumerate(runs) if r.result == "passed" or not passed_only]
    if not chosen:
        return -1, None
    return max(chosen, key=lambda entry: (entry[1].date, entry[0]))


def standing(test: RestoreTest, index: int, grace: int, today: dt.date) -> Standing:
    """Where ``test`` stands on ``today`` with the plan's ``grace`` (seconds)."""
    _, last_pass = _latest(test.protocol, passed_only=True)
    due = None
    if last_pass is not None:
        due = months_later(last_pass.date, FREQUENCY_MONTHS[test.frequency])
    overdue = due is None or due + dt.timedelta(seconds=grace) < today
    last_index, last_run = _latest(test.protocol, passed_only=False)
    return Standing(test, index, last_pass, last_run, last_index, due, overdue)


def standings(policies: Policies, today: dt.date) -> list[Standing]:
    """Every test of the plan as it stands on ``today``."""
    plan = policies.restore_plan
    if plan is None:
        return []
    grace = plan.policy.spec.grace_period
    return [standing(test, i, grace, today) for i, test in enumerate(plan.policy.spec.tests)]


def rto_evidence(analysis: Analysis, service: EffectiveService) -> RtoEvidence | None:
    """The newest passing run, among the tests covering ``service``, that measured a duration."""
    best: RtoEvidence | None = None
    for test in covering(analysis, service):
        for run in test.protocol:
            if run.result != "passed" or run.duration is None:
                continue
            if best is None or run.date > best.run.date:
                best = RtoEvidence(test, run, run.duration)
    return best
