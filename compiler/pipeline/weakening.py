"""What makes one data item's protection weaker or stronger than another's: the reasons
``diff --base`` gives, each naming what changed (``method k8up removed``, ``restore test
BT-LH-01 quarterly -> yearly``)."""

from __future__ import annotations

from compiler.core.durations import humanize
from compiler.core.retention import Kept
from compiler.model.types import FREQUENCY_MONTHS
from compiler.pipeline.protection import Protection, rank


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
    for what, was, now in (
        ("RPO", before.declared_rpo, after.declared_rpo),
        ("RTO", before.declared_rto, after.declared_rto),
    ):
        if now != was:
            (weaker if now > was else stronger).append(f"declared {what} {_longer(was, now)}")
    _restore_tests(before, after, weaker, stronger)
    _retention(before, after, weaker, stronger)
    _routines(before, after, weaker, stronger)
    _targets(before, after, weaker, stronger)
    if _rpo_worse(before.effective_rpo, after.effective_rpo):
        weaker.append("effective RPO longer")
    elif _rpo_worse(after.effective_rpo, before.effective_rpo):
        stronger.append("effective RPO shorter")
    return weaker, stronger


def _longer(was: int, now: int) -> str:
    return "longer" if now > was else "shorter"


def _restore_tests(
    before: Protection, after: Protection, weaker: list[str], stronger: list[str]
) -> None:
    """A test covering the item on both sides that must pass less (or more) often, and a
    longer (or shorter) grace period before a late test is overdue: a restore that broke
    goes unnoticed for longer."""
    old, new = dict(before.frequencies), dict(after.frequencies)
    for test in sorted(old.keys() & new.keys()):
        was, now = FREQUENCY_MONTHS[old[test]], FREQUENCY_MONTHS[new[test]]
        if now != was:
            reason = f"restore test {test} {old[test]} -> {new[test]}"
            (weaker if now > was else stronger).append(reason)
    if old.keys() & new.keys() and after.grace_period != before.grace_period:
        shown = f"{humanize(before.grace_period)} -> {humanize(after.grace_period)}"
        reason = f"restore test grace period {shown}"
        (weaker if after.grace_period > before.grace_period else stronger).append(reason)


def _severities(
    before: Protection, after: Protection, weaker: list[str], stronger: list[str]
) -> None:
    """Alerts on both sides that page less (or more) urgently than before, one reason per
    change of severity (a class changed moves every alert of the service at once)."""
    old, new = before.severity, after.severity
    moved: dict[tuple[str, str], list[str]] = {}
    for name in sorted(old.keys() & new.keys()):
        if rank(new[name]) != rank(old[name]):
            moved.setdefault((old[name] or "none", new[name] or "none"), []).append(name)
    for (was, now), names in sorted(moved.items()):
        which = f"alert {names[0]}" if len(names) == 1 else f"{len(names)} alerts"
        reason = f"severity {was} -> {now} ({which})"
        (weaker if rank(now) < rank(was) else stronger).append(reason)


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
    """A retention rule of a method (or a routine, as a Velero Schedule's ``ttl``) on both
    sides that keeps fewer copies, or keeps them for less long (or no longer exists), or
    more. A rule keeps a part of what the method's copies are, whatever the others keep,
    so one rule's change orders the two sides; a changed schedule is the RPO's to judge."""
    old, new = _rules(before), _rules(after)
    owners = {owner for owner, _ in old} & {owner for owner, _ in new}
    owners |= before.methods & after.methods  # a method whose only rule was dropped
    for owner, rule in sorted(k for k in old.keys() | new.keys() if k[0] in owners):
        was, now = old.get((owner, rule)), new.get((owner, rule))
        shown = f"{was.shown() if was else 'none'} -> {now.shown() if now else 'none'}"
        change = f"{owner} {rule} {shown}"
        if now is None or (was is not None and now.amount < was.amount):
            weaker.append(change)
        elif was is None or now.amount > was.amount:
            stronger.append(change)


def _rules(protection: Protection) -> dict[tuple[str, str], Kept]:
    """(method or routine, rule) -> what the rule keeps."""
    found = {(method, kept.rule): kept for method, kept in protection.retention}
    for routine in protection.routines:
        found.update({(routine.name, kept.rule): kept for kept in routine.retention})
    return found


def _routines(
    before: Protection, after: Protection, weaker: list[str], stronger: list[str]
) -> None:
    """A routine (a check of the copies, a backup of the service's objects) that no longer
    runs, or whose runs can be further apart: a broken copy or a lost object goes unseen,
    or unsaved, for longer."""
    old = {routine.name: routine.gap for routine in before.routines}
    new = {routine.name: routine.gap for routine in after.routines}
    gone = before.methods - after.methods  # "method k8up removed" says "k8up check" went too
    checked = {routine.name: routine.checks for routine in before.routines}
    for name in sorted(old.keys() | new.keys()):
        was, now = old.get(name), new.get(name)
        if now is None and checked.get(name) not in gone:
            weaker.append(f"{name} removed")
        elif now is None:
            continue
        elif was is None:
            stronger.append(f"{name} added")
        elif now != was:
            change = f"{name} every {humanize(was)} -> {humanize(now)}"
            (weaker if now > was else stronger).append(change)
