"""What the protection report says, as values computed from the analysis (no wording here:
the templates word it in the docs' language).

Every number comes from where the manifests and the checks take it: the copies and gaps of
``analyse/coverage.py``, the restore-test standings and RTO evidence of
``analyse/evidence.py`` (the dates they are due, not a verdict on a day).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from msgspec import Struct

from compiler.analyse import Analysis, Copy, Coverage, EffectiveService
from compiler.analyse.evidence import Standing, covers, rto_evidence, standings
from compiler.core.durations import humanize
from compiler.plan.alerts import anchor, service_runbook
from compiler.plan.docs.restore_tests import RunFact, TestFact, last_run, run_fact, test_fact

Layer = Literal["local", "separate", "offsite"]
"""``local`` (a snapshot beside the data), ``separate`` (another target) or ``offsite``."""


def layer(copy: Copy) -> Layer:
    return "local" if not copy.separate else "offsite" if copy.offsite else "separate"


def service_anchor(service: EffectiveService) -> str:
    """The anchor of the service's section: the one its alerts' runbook links name."""
    return service_runbook(service).partition("#")[2]


def recovery_anchor(service: EffectiveService) -> str:
    return anchor("dr", service.namespace, service.name)


class CopyFact(Struct, frozen=True):
    """One copy of an item, worded by the templates."""

    method: str
    target: str
    layer: Layer
    schedule: str
    gap: int
    consistent: bool
    note: str

    @property
    def counts(self) -> bool:
        """It meets the RPO (consistent, on a separate target)."""
        return self.consistent and self.layer != "local"


class ItemFact(Struct, frozen=True):
    """One data item: its copies, 3-2-1 counts and effective against declared RPO."""

    key: str
    copies: tuple[CopyFact, ...]
    copy_count: int
    targets: int
    offsite: int
    effective: str
    declared: str
    met: bool

    def by_layer(self, wanted: Layer) -> tuple[CopyFact, ...]:
        return tuple(c for c in self.copies if c.layer == wanted)


def _item(coverage: Coverage) -> ItemFact:
    copies = tuple(
        CopyFact(c.method, c.target, layer(c), c.schedule, c.gap, c.consistent, c.note)
        for c in coverage.copies
    )
    counted = {(c.method, c.target) for c in coverage.copies if c.counts}
    rpo = coverage.effective_rpo
    return ItemFact(
        coverage.item.key,
        copies,
        1 + len(counted),
        len(coverage.separate_targets),
        len(coverage.offsite_targets),
        humanize(rpo) if rpo is not None else "",
        humanize(coverage.service.rpo),
        coverage.met,
    )


class ServiceFact(Struct, frozen=True):
    """One service: what it declares, what it gets, and what its restore tests prove."""

    key: str
    anchor: str
    recovery: str
    classification: str
    storage: str
    owner: str
    methods: tuple[str, ...]
    items: tuple[ItemFact, ...]
    rpo: str
    effective_rpo: str
    met: bool
    rto: str
    rto_measured: str
    rto_met: bool
    rto_test: str
    last_run: RunFact | None
    tests: tuple[TestFact, ...]


def _service(
    analysis: Analysis, service: EffectiveService, items: list[Coverage], tested: list[Standing]
) -> ServiceFact:
    spec = service.source.policy.spec
    gaps = [c.effective_rpo for c in items]
    worst = None if None in gaps or not gaps else max(g for g in gaps if g is not None)
    evidence = rto_evidence(analysis, service)
    covering = [s for s in tested if covers(s.test, service, analysis)]
    return ServiceFact(
        service.key,
        service_anchor(service),
        recovery_anchor(service),
        service.classification,
        spec.storage,
        spec.owner,
        service.methods,
        tuple(_item(c) for c in items),
        humanize(service.rpo),
        humanize(worst) if worst is not None else "",
        all(c.met for c in items),
        humanize(service.rto),
        humanize(evidence.duration) if evidence is not None else "",
        evidence is not None and not evidence.exceeds(service.rto),
        evidence.test.id if evidence is not None else "",
        last_run(covering),
        tuple(test_fact(s) for s in covering),
    )


class LayerFact(Struct, frozen=True):
    """One row of the coverage per layer: a method writing to a target, the items it
    copies consistently and the largest gap between its copies."""

    layer: Layer
    method: str
    target: str
    gap: int
    items: int
    services: tuple[str, ...]


_LAYERS = {"local": 0, "separate": 1, "offsite": 2}


def layers(services: Sequence[ServiceFact]) -> tuple[LayerFact, ...]:
    rows: dict[tuple[Layer, str, str], list[tuple[str, int]]] = {}
    for service in services:
        for item in service.items:
            for copy in (c for c in item.copies if c.consistent):
                key = (copy.layer, copy.method, copy.target)
                rows.setdefault(key, []).append((service.key, copy.gap))
    return tuple(
        LayerFact(
            key[0],
            key[1],
            key[2],
            max(gap for _, gap in found),
            len(found),
            tuple(dict.fromkeys(name for name, _ in found)),
        )
        for key, found in sorted(rows.items(), key=lambda e: (_LAYERS[e[0][0]], *e[0][1:]))
    )


class Facts(Struct, frozen=True):
    """Everything the protection report shows."""

    services: tuple[ServiceFact, ...]
    layers: tuple[LayerFact, ...]
    tests: tuple[TestFact, ...]
    protocol: tuple[RunFact, ...]
    uncovered: tuple[str, ...]


def facts(analysis: Analysis) -> Facts:
    by_service: dict[str, list[Coverage]] = {}
    for coverage in analysis.coverage:
        by_service.setdefault(coverage.service.key, []).append(coverage)
    # judged on no particular day: the pages change with the policies only, never with
    # the calendar (a committed page that went stale overnight would fail every check);
    # the gate on today's date is BP323's
    tested = standings(analysis.policies, dt.date.min)
    services = tuple(
        _service(analysis, s, by_service.get(s.key, []), tested) for s in analysis.services
    )
    protocol = sorted(
        (run_fact(s.test.id, run) for s in tested for run in s.test.protocol),
        key=lambda run: (run.date, run.test),
    )
    uncovered = tuple(s.key for s in services if not s.tests)
    tests = tuple(test_fact(s) for s in tested)
    return Facts(services, layers(services), tests, tuple(protocol), uncovered)
