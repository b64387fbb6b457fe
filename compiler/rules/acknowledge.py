"""Acknowledgements applied: a known problem accepted in a policy is not reported again.

A service's acknowledgements apply to problems in its policy file, a class's to the files
of its services, the cluster's to every problem. ``item`` narrows one to a data item (a
diagnostic names the items it is about). Past ``until`` an acknowledgement stops applying
and says so; reading and output errors cannot be acknowledged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from msgspec import Struct

from compiler.core.diagnostics import Diagnostic
from compiler.core.rule import Rule
from compiler.load import Document
from compiler.model.acknowledge import Acknowledgement
from compiler.policies import Policies

ACKNOWLEDGEMENT = Rule(
    "BP324",
    "acknowledgement",
    "error",
    "An acknowledgement names a rule that can be acknowledged, and is reported when it expires.",
    "Rules checked on the policies, the tree or a diff can be acknowledged; reading errors "
    "cannot. An expired acknowledgement is a warning and its problem is reported again.",
    passing="acknowledge: [{id: BP315, item: data, reason: cache, until: 2027-03-01}]",
    failing="acknowledge: [{id: BP101, reason: one key twice is fine}]",
    stage="policy",
)
_ACKNOWLEDGEABLE = {"policy", "tree", "diff"}


class Acknowledged(Struct, frozen=True):
    """A problem that was not reported because a policy accepted it."""

    diagnostic: Diagnostic
    reason: str
    until: dt.date | None
    by: str

    def render(self) -> str:
        until = f" until {self.until}" if self.until else ""
        return f"acknowledged{until} in {self.by}: {self.diagnostic.render()} ({self.reason})"


class _Scope(Struct, frozen=True):
    ack: Acknowledgement
    doc: Document
    path: tuple[str | int, ...]
    files: frozenset[str] | None  # None: every file


def _scopes(policies: Policies) -> Iterator[_Scope]:
    cluster = policies.cluster
    for index, ack in enumerate(cluster.policy.spec.acknowledge):
        yield _Scope(ack, cluster.doc, ("spec", "acknowledge", index), None)
    for name, defaults in cluster.policy.spec.classes.items():
        files = frozenset(s.file for s in policies.services if s.policy.spec.classification == name)
        for index, ack in enumerate(defaults.acknowledge):
            path = ("spec", "classes", name, "acknowledge", index)
            yield _Scope(ack, cluster.doc, path, files)
    for source in policies.services:
        for index, ack in enumerate(source.policy.spec.acknowledge):
            yield _Scope(ack, source.doc, ("spec", "acknowledge", index), frozenset({source.file}))


def _problem(scope: _Scope, rules: dict[str, Rule], today: dt.date) -> Diagnostic | None:
    rule = rules.get(scope.ack.id)
    if rule is None:
        return ACKNOWLEDGEMENT.at(scope.doc, (*scope.path, "id"), f"no rule {scope.ack.id}")
    if rule.stage not in _ACKNOWLEDGEABLE:
        message = f"{rule.id} ({rule.name}) is a reading or output check; it cannot be accepted"
        return ACKNOWLEDGEMENT.at(scope.doc, (*scope.path, "id"), message)
    if not rule.acknowledgeable:
        message = f"{rule.id} ({rule.name}) is a problem no policy can accept"
        return ACKNOWLEDGEMENT.at(scope.doc, (*scope.path, "id"), message)
    if scope.ack.until is not None and scope.ack.until < today:
        message = f"the acknowledgement of {rule.id} expired on {scope.ack.until}: reported again"
        hint = "fix the problem, or renew the acknowledgement with a new until date"
        return ACKNOWLEDGEMENT.at(scope.doc, (*scope.path, "until"), message, hint, level="warning")
    return None


def _matches(scope: _Scope, diagnostic: Diagnostic) -> bool:
    if diagnostic.rule != scope.ack.id:
        return False
    if scope.files is not None and diagnostic.file not in scope.files:
        return False
    return scope.ack.item is None or scope.ack.item in diagnostic.subjects


class _ScopeIndex:
    """The active scopes by rule, and by file for those of one file (a service's): each
    diagnostic is tried against the few that can match it, not against every
    acknowledgement of every policy; the first in the policies' order still wins."""

    def __init__(self, scopes: Sequence[_Scope]) -> None:
        self._wide: dict[str, list[tuple[int, _Scope]]] = {}
        self._one_file: dict[tuple[str, str], list[tuple[int, _Scope]]] = {}
        for number, scope in enumerate(scopes):
            if scope.files is not None and len(scope.files) == 1:
                (file,) = scope.files
                self._one_file.setdefault((scope.ack.id, file), []).append((number, scope))
            else:
                self._wide.setdefault(scope.ack.id, []).append((number, scope))

    def first_match(self, diagnostic: Diagnostic) -> _Scope | None:
        wide = self._wide.get(diagnostic.rule, [])
        mine = self._one_file.get((diagnostic.rule, diagnostic.file), [])
        for _, scope in sorted((*wide, *mine), key=lambda placed: placed[0]):
            if _matches(scope, diagnostic):
                return scope
        return None


def acknowledge(
    diagnostics: Sequence[Diagnostic], policies: Policies, rules: Sequence[Rule], today: dt.date
) -> tuple[list[Diagnostic], list[Acknowledged]]:
    """(the diagnostics still reported, with problems of acknowledgements; the accepted ones)."""
    by_id = {rule.id: rule for rule in rules}
    active: list[_Scope] = []
    kept: list[Diagnostic] = []
    for scope in _scopes(policies):
        problem = _problem(scope, by_id, today)
        if problem is None:
            active.append(scope)
        else:
            kept.append(problem)
    accepted: list[Acknowledged] = []
    index = _ScopeIndex(active)
    for diagnostic in diagnostics:
        match = index.first_match(diagnostic)
        if match is None:
            kept.append(diagnostic)
        else:
            ack = match.ack
            accepted.append(Acknowledged(diagnostic, ack.reason, ack.until, match.doc.file))
    return kept, accepted
