"""One data item's protection as a compile gives it (methods, RPOs, restore tests, alerts
and their severity, each method's retention rules), and what makes one weaker or
stronger than another: what ``diff --base`` compares."""

from __future__ import annotations

from typing import Any, NamedTuple

from msgspec import Struct

from compiler.analyse import Analysis, EffectiveService
from compiler.core.retention import Kept
from compiler.core.yamlread import YAMLDocumentError, load_documents
from compiler.pipeline.build import BuildResult


class Protection(Struct, frozen=True):
    """How one data item is protected in one compile."""

    methods: frozenset[str]
    declared_rpo: int
    effective_rpo: int | None
    restore_tests: frozenset[str]
    alerts: frozenset[str] | None
    """None when that side has errors and so no generated files to read alerts from."""
    severities: tuple[tuple[str, str], ...] = ()
    """(alert, the most urgent ``severity`` of its rules), by name; empty with no alerts."""
    retention: tuple[tuple[str, Kept], ...] = ()
    """(method, one rule of its retention), sorted: the most each rule keeps over the
    method's copies (compiler.core.retention)."""
    separate_targets: int = 0
    """Targets apart from the data holding a copy that counts (3-2-1's second number)."""
    offsite_targets: int = 0
    """Of those, the ones offsite (3-2-1's third number)."""

    @property
    def severity(self) -> dict[str, str]:
        return dict(self.severities)


SEVERITY_RANK = {"info": 1, "warning": 2, "critical": 3}
"""The ``severity`` labels the compiler writes, least urgent first (compiler.plan.alerts)."""


Where = tuple[str, int, int]


class _Rule(NamedTuple):
    """One alert rule of a compile: where it is written and whom it watches."""

    path: str
    name: str
    severity: str
    namespace: str
    """Its ``namespace`` label: a rule of a shared folder that watches a whole namespace
    (Velero's, of the namespace's Schedule) has it and no service label."""
    service: str


def _rules(result: BuildResult) -> list[_Rule] | None:
    """Every alert rule the compile generates, read once (None: the side has errors and
    so no generated files)."""
    if result.outputs is None:
        return None
    found = []
    for path, text in result.outputs.items():
        if "PrometheusRule" not in text:
            continue
        try:
            documents = load_documents(text)
        except YAMLDocumentError:
            continue
        for document in documents:
            if isinstance(document, dict) and document.get("kind") == "PrometheusRule":
                for group in document.get("spec", {}).get("groups", []):
                    found += [_rule(path, rule) for rule in group.get("rules", [])]
    return found


def _rule(path: str, rule: dict[str, Any]) -> _Rule:
    labels = rule.get("labels") or {}
    return _Rule(
        path,
        str(rule.get("alert")),
        str(labels.get("severity", "")),
        str(labels.get("namespace", "")),
        str(labels.get("backup_policy_service", "")),
    )


def _alerts(rules: list[_Rule] | None, service: EffectiveService) -> dict[str, str] | None:
    """Each alert that watches the service (those of its folder, those labelled with it,
    and a shared folder's that watch its whole namespace), with its most urgent severity."""
    if rules is None:
        return None
    found: dict[str, str] = {}
    for rule in rules:
        own = rule.path.startswith(f"{service.app_dir}/") or rule.service == service.key
        watches = own or (not rule.service and rule.namespace == service.namespace)
        if watches and _rank(rule.severity) >= _rank(found.get(rule.name, "")):
            found[rule.name] = rule.severity
    return found


def _rank(severity: str) -> int:
    return SEVERITY_RANK.get(severity, 0)


Found = dict[tuple[str, str], tuple[Where, tuple[str, ...], Protection]]


def protections(result: BuildResult) -> Found:
    """(service, item) -> (where the policy declares it, its names, protection)."""
    analysis: Analysis | None = result.analysis
    found: Found = {}
    rules = _rules(result)
    for coverage in analysis.coverage if analysis is not None else ():
        service = coverage.service
        alerts = _alerts(rules, service)
        kept: dict[tuple[str, str], Kept] = {}
        for copy in coverage.copies:
            for rule in copy.retention:
                known = kept.get((copy.method, rule.rule))
                if known is None or rule.amount > known.amount:
                    kept[(copy.method, rule.rule)] = rule
        protection = Protection(
            frozenset(c.method for c in coverage.copies),
            service.rpo,
            coverage.effective_rpo,
            frozenset(service.source.policy.spec.restore_tests),
            None if alerts is None else frozenset(alerts),
            tuple(sorted(alerts.items())) if alerts else (),
            tuple((method, rule) for (method, _), rule in sorted(kept.items())),
            len(coverage.separate_targets),
            len(coverage.offsite_targets),
        )
        line, col = service.source.doc.locate(coverage.item.path)
        where = (service.source.file, line, col)
        found[(service.key, coverage.item.key)] = (where, coverage.item.names, protection)
    return found


def _rpo_worse(before: int | None, after: int | None) -> bool:
    return before is not None and (after is None or after > before)


def compare(before: Protection, after: Protection) -> tuple[list[str], list[str]]:
    weaker: list[str] = []
    stronger: list[str] = []
    compared = [
        ("method", before.methods, after.methods),
        ("restore test", before.restore_tests, after.restore_tests),
    ]
    if before.alerts is not None and after.alerts is not None:
        compared.append(("alert", before.alerts, after.alerts))
        _severities(before, after, weaker, stronger)
    for what, old, new in compared:
        weaker += [f"{what} {name} removed" for name in sorted(old - new)]
        stronger += [f"{what} {name} added" for name in sorted(new - old)]
    if after.declared_rpo > before.declared_rpo:
        weaker.append("declared RPO longer")
    elif after.declared_rpo < before.declared_rpo:
        stronger.append("declared RPO shorter")
    _retention(before, after, weaker, stronger)
    _targets(before, after, weaker, stronger)
    if _rpo_worse(before.effective_rpo, after.effective_rpo):
        weaker.append("effective RPO longer")
    elif _rpo_worse(after.effective_rpo, before.effective_rpo):
        stronger.append("effective RPO shorter")
    return weaker, stronger


def _severities(
    before: Protection, after: Protection, weaker: list[str], stronger: list[str]
) -> None:
    """Alerts on both sides that page less (or more) urgently than before, one reason per
    change of severity (a class changed moves every alert of the service at once)."""
    old, new = before.severity, after.severity
    moved: dict[tuple[str, str], list[str]] = {}
    for name in sorted(old.keys() & new.keys()):
        if _rank(new[name]) != _rank(old[name]):
            moved.setdefault((old[name] or "none", new[name] or "none"), []).append(name)
    for (was, now), names in sorted(moved.items()):
        which = f"alert {names[0]}" if len(names) == 1 else f"{len(names)} alerts"
        reason = f"severity {was} -> {now} ({which})"
        (weaker if _rank(now) < _rank(was) else stronger).append(reason)


def _targets(before: Protection, after: Protection, weaker: list[str], stronger: list[str]) -> None:
    """Fewer (or more) targets apart from the data, or offsite, holding a counting copy:
    3-2-1's second and third numbers (a target that stops being offsite, a method moved
    onto the target another already uses)."""
    for layer, was, now in (
        ("separate targets", before.separate_targets, after.separate_targets),
        ("offsite targets", before.offsite_targets, after.offsite_targets),
    ):
        if now != was:
            (weaker if now < was else stronger).append(f"{layer} {was} -> {now}")


def _retention(
    before: Protection, after: Protection, weaker: list[str], stronger: list[str]
) -> None:
    """A retention rule of a method on both sides that keeps fewer copies, or keeps them for
    less long (or no longer exists), or more. A rule keeps a part of what the method's
    copies are, whatever the others keep, so one rule's change orders the two sides; a
    changed schedule is the RPO's to judge."""
    methods = before.methods & after.methods
    old = {(m, k.rule): k for m, k in before.retention if m in methods}
    new = {(m, k.rule): k for m, k in after.retention if m in methods}
    for method, rule in sorted(old.keys() | new.keys()):
        was, now = old.get((method, rule)), new.get((method, rule))
        shown = f"{was.shown() if was else 'none'} -> {now.shown() if now else 'none'}"
        change = f"{method} {rule} {shown}"
        if now is None or (was is not None and now.amount < was.amount):
            weaker.append(change)
        elif was is None or now.amount > was.amount:
            stronger.append(change)
