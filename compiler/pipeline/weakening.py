"""What makes one data item's protection weaker or stronger than another's: the reasons
``diff --base`` gives, each naming what changed (``method k8up removed``, ``restore test
BT-LH-01 quarterly -> yearly``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from compiler.analyse import Routine
from compiler.core.durations import humanize
from compiler.core.retention import Kept
from compiler.model.types import FREQUENCY_MONTHS
from compiler.pipeline.protection import Protection, TestRef, rank


def _rpo_worse(before: int | None, after: int | None) -> bool:
    return before is not None and (after is None or after > before)


def compare(before: Protection, after: Protection) -> tuple[list[str], list[str]]:
    weaker: list[str] = []
    stronger: list[str] = []
    compared = [("method", before.methods, after.methods)]
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
    local, later = before.local_rpo, after.local_rpo
    if local is not None and later is not None and later != local:  # none: a method removed
        change = f"local copies every {humanize(local)} -> {humanize(later)}"
        (weaker if later > local else stronger).append(change)
    return weaker, stronger


def _longer(was: int, now: int) -> str:
    return "longer" if now > was else "shorter"


def _restore_tests(
    before: Protection, after: Protection, weaker: list[str], stronger: list[str]
) -> None:
    """A test that no longer covers the item (unless one of the same type, as often,
    takes its place: a test renamed), one on both sides that must pass less (or more)
    often, and a longer (or shorter) grace period before a late test is overdue: a
    restore that broke goes unnoticed for longer."""
    old = {test.id: test for test in before.tests}
    new = {test.id: test for test in after.tests}
    removed, added = _unpaired(
        [old[t] for t in sorted(old.keys() - new.keys())],
        [new[t] for t in sorted(new.keys() - old.keys())],
        lambda was, now: was.type == now.type and _months(now) <= _months(was),
    )
    weaker += [f"restore test {test.id} removed" for test in removed]
    stronger += [f"restore test {test.id} added" for test in added]
    for test in sorted(old.keys() & new.keys()):
        was, now = old[test], new[test]
        if _months(now) != _months(was):
            reason = f"restore test {test} {was.frequency} -> {now.frequency}"
            (weaker if _months(now) > _months(was) else stronger).append(reason)
    if old and new and after.grace_period != before.grace_period:
        shown = f"{humanize(before.grace_period)} -> {humanize(after.grace_period)}"
        reason = f"restore test grace period {shown}"
        (weaker if after.grace_period > before.grace_period else stronger).append(reason)


def _months(test: TestRef) -> int:
    return FREQUENCY_MONTHS[test.frequency]


T = TypeVar("T")


def _unpaired(
    removed: list[T], added: list[T], replaces: Callable[[T, T], bool]
) -> tuple[list[T], list[T]]:
    """``removed`` and ``added`` less each removed one that an added one ``replaces`` (does
    all it did, under another name: a tier or a test renamed), and that added one. The
    same but for the name pair first, so that two renamed at once pair as they were."""
    left_removed, left_added = list(removed), list(added)
    for strict in (True, False):
        unmatched = []
        for was in left_removed:
            twin = next(
                (
                    now
                    for now in left_added
                    if replaces(was, now) and (not strict or replaces(now, was))
                ),
                None,
            )
            if twin is None:
                unmatched.append(was)
            else:
                left_added.remove(twin)
        left_removed = unmatched
    return left_removed, left_added


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
    so one rule's change orders the two sides. A count of the newest copies whose schedule
    changed is judged by how far back it reaches (:func:`_stretched`). A rule renamed (a
    Longhorn tier) is the old one only when it counts as many copies of a schedule as far
    apart (:func:`_renames`): two tiers renamed with their schedules swapped are not."""
    old, new = _rules(before), _rules(after)
    owners = {owner for owner, _ in old} & {owner for owner, _ in new}
    owners |= before.methods & after.methods  # a method whose only rule was dropped
    renamed = _renamed(old, new)
    for owner, rule in sorted(k for k in old.keys() | new.keys() if k[0] in owners):
        if (owner, rule) in renamed:
            continue
        was, now = old.get((owner, rule)), new.get((owner, rule))
        if was is not None and now is not None and was.spacing != now.spacing:
            _stretched(f"{owner} {rule}", was, now, weaker, stronger)
            continue
        shown = f"{was.shown() if was else 'none'} -> {now.shown() if now else 'none'}"
        change = f"{owner} {rule} {shown}"
        if now is None or (was is not None and now.amount < was.amount):
            weaker.append(change)
        elif was is None or now.amount > was.amount:
            stronger.append(change)


def _renamed(
    old: dict[tuple[str, str], Kept], new: dict[tuple[str, str], Kept]
) -> set[tuple[str, str]]:
    """The rules on one side only that are one rule renamed (a Longhorn tier ``weekly`` made
    ``sunday``): the new one keeps at least as many of the newest copies of a schedule whose
    copies are as far apart as the old one's, for the same method."""
    removed = [(key, old[key]) for key in sorted(old.keys() - new.keys())]
    added = [(key, new[key]) for key in sorted(new.keys() - old.keys())]
    left_removed, left_added = _unpaired(removed, added, _renames)
    return {key for key, _ in removed + added} - {key for key, _ in left_removed + left_added}


def _renames(was: tuple[tuple[str, str], Kept], now: tuple[tuple[str, str], Kept]) -> bool:
    (owner, rule), kept = was
    (new_owner, new_rule), new_kept = now
    return (
        owner == new_owner
        and _family(rule) == _family(new_rule)
        and kept.spacing[1] > 0
        and new_kept.spacing == kept.spacing
        and new_kept.amount >= kept.amount
    )


def _stretched(name: str, was: Kept, now: Kept, weaker: list[str], stronger: list[str]) -> None:
    """A count of the newest copies whose schedule changed: how far back they reach lies
    between bounds (:meth:`Kept.reach`); only bounds that do not overlap order the two at
    every moment (a weekly tier made daily under the same ``retain: 8``: at least 49 days
    back before, at most 8 after). Overlapping ones are the RPO's to judge."""
    before, after = was.reach(), now.reach()
    if before is None or after is None:
        return
    if after[1] < before[0]:
        weaker.append(f"{name} reaches back {humanize(before[0])}+ -> {humanize(after[1])} at most")
    elif after[0] > before[1]:
        stronger.append(
            f"{name} reaches back {humanize(before[1])} at most -> {humanize(after[0])}+"
        )


def _family(name: str) -> str:
    """A rule's or routine's name without its tier (``retain (weekly)``: ``retain``)."""
    return name.split(" (", 1)[0]


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
    runs (unless one of the same kind that does all it did takes its place: a Velero tier
    renamed), whose runs can be further apart, whose copies are no longer offsite, or that
    no longer snapshots the volumes: a broken copy or a lost object goes unseen, or
    unsaved, for longer."""
    old = {routine.name: routine for routine in before.routines}
    new = {routine.name: routine for routine in after.routines}
    gone = before.tools - after.tools  # "method k8up removed" says "k8up check" went too
    removed, added = _unpaired(
        [old[n] for n in sorted(old.keys() - new.keys()) if old[n].checks not in gone],
        [new[n] for n in sorted(new.keys() - old.keys())],
        _replaces,
    )
    weaker += [f"{routine.name} removed" for routine in removed]
    stronger += [f"{routine.name} added" for routine in added]
    for name in sorted(old.keys() & new.keys()):
        was, now = old[name], new[name]
        if now.gap != was.gap:
            change = f"{name} every {humanize(was.gap)} -> {humanize(now.gap)}"
            (weaker if now.gap > was.gap else stronger).append(change)
        for flag, what in (("offsite", "offsite"), ("volumes", "snapshots volumes")):
            if getattr(now, flag) != getattr(was, flag):
                now_on = bool(getattr(now, flag))
                (stronger if now_on else weaker).append(
                    f"{name} {'now' if now_on else 'no longer'} {what}"
                )


def _replaces(was: Routine, now: Routine) -> bool:
    """``now`` does all ``was`` did: of the same kind, as often, as far, keeping as much."""
    kept = {rule.rule: rule.amount for rule in now.retention}
    return (
        _family(was.name) == _family(now.name)
        and now.gap <= was.gap
        and now.offsite >= was.offsite
        and now.volumes >= was.volumes
        and all(kept.get(rule.rule, -1) >= rule.amount for rule in was.retention)
    )
