"""One data item's protection as a compile gives it (methods, RPOs and RTO, the restore
tests covering it and how often they must pass, alerts and their severity, each method's
retention rules, the routines that check its copies or back up its service's objects):
what ``diff --base`` compares (compiler.pipeline.weakening)."""

from __future__ import annotations

from typing import Any, NamedTuple

from msgspec import Struct

from compiler.analyse import Analysis, Coverage, Routine
from compiler.analyse.evidence import FULL_DR, covering
from compiler.core.retention import Kept
from compiler.core.yamlread import YAMLDocumentError, load_documents
from compiler.pipeline.build import BuildResult
from compiler.plan.prometheusrule import GROUP_PREFIX


class TestRef(NamedTuple):
    """A restore test covering an item: what ``diff`` compares of it."""

    id: str
    type: str
    frequency: str


class Protection(Struct, frozen=True):
    """How one data item is protected in one compile."""

    methods: frozenset[str]
    declared_rpo: int
    effective_rpo: int | None
    restore_tests: frozenset[str]
    """The plan's tests that cover the item's service (compiler.analyse.evidence) and
    whose drill restores one of its copies (or the whole service: ``full-dr``)."""
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
    declared_rto: int = 0
    tests: tuple[TestRef, ...] = ()
    """The tests of ``restore_tests``, by id, with their type and how often they pass."""
    grace_period: int = 0
    """The plan's grace period (seconds) when a test covers the item, else 0."""
    routines: tuple[Routine, ...] = ()
    """The checks of the item's copies and the backups of its service's objects, by name."""
    local_rpo: int | None = None
    """The worst gap of its local copies (snapshots on the volume itself; None: none)."""
    tools: frozenset[str] = frozenset()
    """The tools that copy it (a routine that checks a tool's copies goes with them)."""

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
    item: str
    """Its ``backup_policy_item`` label: the one item it watches ('' for a rule of the
    whole service)."""
    tool: str
    """The tool whose group of the service's PrometheusRule holds it ('' in a shared
    folder): a rule of the whole service watches the items that tool copies."""


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
                    tool = _tool_of(str(group.get("name", "")))
                    found += [_rule(path, rule, tool) for rule in group.get("rules", [])]
    return found


def _tool_of(group: str) -> str:
    """The tool of a service's group (``backup-policy.<namespace>.<app>.<tool>``)."""
    parts = group.split(".")
    return parts[3] if len(parts) == 4 and parts[0] == GROUP_PREFIX else ""


def _rule(path: str, rule: dict[str, Any], tool: str) -> _Rule:
    labels = rule.get("labels") or {}
    return _Rule(
        path,
        str(rule.get("alert")),
        str(labels.get("severity", "")),
        str(labels.get("namespace", "")),
        str(labels.get("backup_policy_service", "")),
        str(labels.get("backup_policy_item", "")),
        tool,
    )


def _alerts(rules: list[_Rule] | None, coverage: Coverage) -> dict[str, str] | None:
    """Each alert that watches the item, with its most urgent severity: of the service's
    own (its folder's, those labelled with it), those labelled with the item, or of the
    whole service from the group of a tool that copies the item (Litestream's are not a
    PVC's); and a shared folder's that watch the item's whole namespace (Velero's)."""
    if rules is None:
        return None
    service, item = coverage.service, coverage.item.key
    prefix = f"{service.app_dir}/"
    tools = {copy.tool for copy in coverage.copies}
    found: dict[str, str] = {}
    for rule in rules:
        # a rule labelled with a service is that service's, wherever its folder lies (one
        # app's folder may hold another's: an appPath inside it)
        own = rule.service == service.key if rule.service else rule.path.startswith(prefix)
        if own:
            watches = rule.item == item if rule.item else not rule.tool or rule.tool in tools
        else:
            watches = not rule.service and rule.namespace == service.namespace
        if watches and rank(rule.severity) >= rank(found.get(rule.name, "")):
            found[rule.name] = rule.severity
    return found


def rank(severity: str) -> int:
    """How urgently an alert of this ``severity`` label pages (0: unknown)."""
    return SEVERITY_RANK.get(severity, 0)


Found = dict[tuple[str, str], tuple[Where, tuple[str, ...], Protection]]


def protections(result: BuildResult) -> Found:
    """(service, item) -> (where the policy declares it, its names, protection)."""
    analysis: Analysis | None = result.analysis
    found: Found = {}
    if analysis is None:
        return found
    rules = _rules(result)
    for coverage in analysis.coverage:
        service = coverage.service
        line, col = service.source.doc.locate(coverage.item.path)
        where = (service.source.file, line, col)
        protection = _protection(analysis, coverage, _alerts(rules, coverage))
        found[(service.key, coverage.item.key)] = (where, coverage.item.names, protection)
    return found


def _protection(
    analysis: Analysis, coverage: Coverage, alerts: dict[str, str] | None
) -> Protection:
    service = coverage.service
    restores = coverage.restored_by | {FULL_DR}  # a test of the service that restores it
    tests = [t for t in covering(analysis, service) if t.type in restores]
    tools = {copy.tool for copy in coverage.copies}
    return Protection(
        frozenset(c.method for c in coverage.copies),
        service.rpo,
        coverage.effective_rpo,
        frozenset(test.id for test in tests),
        None if alerts is None else frozenset(alerts),
        tuple(sorted(alerts.items())) if alerts else (),
        _retention_rules(coverage),
        len(coverage.separate_targets),
        len(coverage.offsite_targets),
        service.rto,
        tuple(sorted(TestRef(test.id, test.type, test.frequency) for test in tests)),
        _grace_period(analysis) if tests else 0,
        tuple(r for r in analysis.routines.get(service.key, ()) if r.checks in tools | {None}),
        coverage.local_rpo,
        frozenset(tools),
    )


def _retention_rules(coverage: Coverage) -> tuple[tuple[str, Kept], ...]:
    """Per method and rule, the most it keeps over the method's copies (one per target)."""
    kept: dict[tuple[str, str], Kept] = {}
    for copy in coverage.copies:
        for rule in copy.retention:
            known = kept.get((copy.method, rule.rule))
            if known is None or rule.amount > known.amount:
                kept[(copy.method, rule.rule)] = rule
    return tuple((method, rule) for (method, _), rule in sorted(kept.items()))


def _grace_period(analysis: Analysis) -> int:
    plan = analysis.policies.restore_plan
    return plan.policy.spec.grace_period if plan is not None else 0
