"""Coverage: every PVC of an app's build, and every database its Litestream configs replicate,
is backed up by the app's policy or exempt with a reason (``backup-policy coverage``)."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.analyse import EffectiveService
from compiler.analyse.census import Row, census
from compiler.core.diagnostics import Diagnostic
from compiler.core.rule import PathKey
from compiler.rules import PolicyContext, TreeContext, policy_rule, tree_rule
from compiler.tree import Inventory
from compiler.tree.claims import app_claims


def _exemption_problems(service: EffectiveService) -> Iterator[tuple[PathKey, str, str]]:
    spec = service.source.policy.spec
    claims = {v.claim for v in spec.volumes if v.claim}
    databases = {db.path for db in spec.sqlite}
    seen: set[str] = set()
    for index, exemption in enumerate(spec.exempt):
        where: PathKey = ("spec", "exempt", index)
        if (exemption.claim is None) == (exemption.sqlite is None):
            yield where, "an exemption names exactly one of claim and sqlite", ""
            continue
        name = exemption.claim or exemption.sqlite or ""
        field = "claim" if exemption.claim else "sqlite"
        if name in (claims if exemption.claim else databases):
            listed = "volumes" if exemption.claim else "sqlite"
            message = f"{name} is exempt and also under {listed}: is it backed up or not?"
            yield (*where, field), message, f"remove it from exempt or from {listed}"
        elif name in seen:
            yield (*where, field), f"{name} is exempt twice", "keep one entry"
        seen.add(name)


@policy_rule(
    "BP317",
    "exemption",
    "error",
    passing="exempt: [{claim: immich-ml-cache, reason: model cache}]",
    failing="exempt: [{claim: immich-data, reason: x}]  # and volumes has claim immich-data",
)
def exemption(context: PolicyContext) -> Iterator[Diagnostic]:
    """An exemption names one PVC or database that the policy does not also back up.

    ``exempt`` says a PVC (``claim``) or SQLite database (``sqlite``) is deliberately left
    without backups, with the reason. The same item under ``volumes`` or ``sqlite`` too is
    a contradiction, and the coverage table could only show one of them.
    """
    for service in context.analysis.services:
        for path, message, hint in _exemption_problems(service):
            yield exemption.at(service.source.doc, path, f"{service.key}: {message}", hint)


# Per kind of item: how a message names it, and the policy list that backs it up.
_NAMED = {"pvc": "PVC {!r}", "sqlite": "SQLite database {}", "postgres": "Postgres cluster {}"}
_LISTED = {"pvc": "volumes", "sqlite": "sqlite", "postgres": "postgres"}
_EXEMPTABLE = frozenset({"pvc", "sqlite"})  # ``exempt:`` names claims and databases only


def _listed(row: Row) -> str:
    return _LISTED.get(row.item.kind, "volumes")


def _what(row: Row) -> str:
    item = row.item
    where = f" ({item.source})" if item.source else ""
    return _NAMED.get(item.kind, "{}").format(item.name) + where


def uncovered_in_policy(row: Row) -> Diagnostic:
    """BP420 for an item of an app that has a policy, at the policy."""
    service = row.service
    assert service is not None
    item = row.item
    listed = _listed(row)
    spec = service.source.policy.spec
    path: PathKey = ("spec", listed) if getattr(spec, listed) else ("spec",)
    exemptable = item.kind in _EXEMPTABLE
    return uncovered.at(
        service.source.doc,
        path,
        f"{service.key}: {_what(row)} is not backed up: it is neither under {listed} nor exempt"
        if exemptable
        else f"{service.key}: {_what(row)} is not backed up: it is not under {listed}",
        f"add it under {listed}"
        + (", or under exempt with the reason it needs no backup" if exemptable else ""),
        key=True,
        subjects=(f"{item.kind}/{item.name}", item.name),
    )


@tree_rule(
    "BP420",
    "uncovered",
    "warning",
    passing="volumes: [{name: data, claim: app-data}]\n"
    "exempt: [{claim: app-cache, reason: thumbnails, rebuilt on start}]",
    failing="volumes: [{name: data, claim: app-data}]  # the chart also creates app-cache",
)
def uncovered(context: TreeContext) -> Iterator[Diagnostic]:
    """Every PVC of an app's build and every database it replicates is covered or exempt.

    A policy protects the volumes it lists; a PVC the app's build also holds (written in
    the tree, created by its app-template chart or by a StatefulSet's volumeClaimTemplates)
    and a database its hand-written Litestream config replicates are otherwise silently left
    out. List each under ``volumes``/``sqlite``, or under ``exempt`` with why it needs no
    backup (a cache, a search index, media that can be downloaded again). ``check`` and
    ``compile`` judge the apps that have a policy; ``backup-policy coverage`` lists every
    item of the tree.
    """
    analysis = context.analysis
    rows = census(context.inventory, analysis.services, analysis.coverage, context.census_items)
    for row in rows:
        if row.state != "uncovered" or row.service is None or not row.item.file:
            continue
        if _names_all(context.inventory, row.service):
            yield uncovered_in_policy(row)


def _names_all(inventory: Inventory, service: EffectiveService) -> bool:
    """Whether every claim the policy names is in the app's build: a misspelt one is BP405's
    (or BP381's) to report, and the PVC it meant would only be reported again here."""
    found = app_claims(inventory, service.app_dir)
    named = {v.claim for v in service.source.policy.spec.volumes if v.claim}
    return found is not None and named <= {c.name for c in found.claims}


@tree_rule(
    "BP422",
    "exemption-unknown",
    "error",
    passing="exempt: [{claim: app-cache, reason: a cache}]  # the chart creates app-cache",
    failing="exempt: [{claim: app-cahce, reason: a cache}]  # no such PVC in the build",
)
def exemption_unknown(context: TreeContext) -> Iterator[Diagnostic]:
    """An exempt PVC is a PVC of the app's build.

    A misspelt exemption exempts nothing, and the PVC it meant stays uncovered. Judged
    where the app's build can be known from the tree.
    """
    for service in context.analysis.services:
        found = app_claims(context.inventory, service.app_dir)
        if found is None or found.unknown:
            continue
        names = sorted({c.name for c in found.claims})
        for index, exempt in enumerate(service.source.policy.spec.exempt):
            if exempt.claim is None or exempt.claim in names:
                continue
            yield exemption_unknown.at(
                service.source.doc,
                ("spec", "exempt", index, "claim"),
                f"{service.key}: PVC {exempt.claim!r} is not in the app's build",
                f"PVCs of the build: {', '.join(names) or 'none'}",
            )


def uncovered_in_tree(row: Row, inventory: Inventory) -> Diagnostic:
    """BP420 for an item no policy claims, at its place in the tree (``coverage``)."""
    item = row.item
    line, col = item.at
    return uncovered.diagnostic(
        inventory.shown(item.file),
        line,
        col,
        f"{item.namespace}/{item.app}: {_what(row)} is not backed up: no policy covers it",
        f"write a service policy for the app, with the item under {_listed(row)}"
        + (" or exempt" if item.kind in _EXEMPTABLE else ""),
        subjects=(f"{item.kind}/{item.name}", item.name),
    )


RULES = (exemption, uncovered, exemption_unknown)
