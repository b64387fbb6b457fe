"""Where the restore tests stand, as values for the report: the plan, the protocol, the
newest run covering a service (judged by ``analyse/evidence.py`` on the docs' day)."""

from __future__ import annotations

from collections.abc import Sequence

from msgspec import Struct

from compiler.analyse.evidence import Standing
from compiler.core.durations import humanize
from compiler.model.restore import Run


class TestFact(Struct, frozen=True):
    """A restore test as it stands on the docs' day."""

    id: str
    title: str
    type: str
    scope: tuple[str, ...]
    frequency: str
    responsible: str
    last_pass: str
    due: str
    status: str
    """``passed``, ``failing`` or ``never``: from the protocol, whatever the day."""


def _status(standing: Standing) -> str:
    if standing.failing:
        return "failing"
    if standing.last_pass is None:
        return "never"
    return "passed"


def test_fact(standing: Standing) -> TestFact:
    test = standing.test
    return TestFact(
        test.id,
        test.title,
        test.type,
        (*test.scope.services, *test.scope.namespaces),
        test.frequency,
        test.responsible,
        str(standing.last_pass.date) if standing.last_pass is not None else "",
        str(standing.due) if standing.due is not None else "",
        _status(standing),
    )


class RunFact(Struct, frozen=True):
    """One entry of the protocol."""

    date: str
    test: str
    result: str
    duration: str
    owner: str
    follow_ups: tuple[str, ...]


def run_fact(test: str, run: Run) -> RunFact:
    duration = humanize(run.duration) if run.duration is not None else ""
    return RunFact(str(run.date), test, run.result, duration, run.owner, tuple(run.follow_ups))


def last_run(covering: Sequence[Standing]) -> RunFact | None:
    """The newest run of any test covering the service (a later test ID breaks a tie)."""
    runs = [(s.last_run.date, s.test.id, s.last_run) for s in covering if s.last_run is not None]
    if not runs:
        return None
    _, test, run = max(runs, key=lambda entry: (entry[0], entry[1]))
    return run_fact(test, run)
