"""diff --base REF: per data item, what the change does to protection (a PR comment)."""

from __future__ import annotations

from compiler.commands import EXIT_FAILED, EXIT_OK, Fields, Outcome, finish, usage
from compiler.commands.build import settle
from compiler.config import RunConfig
from compiler.core.durations import humanize
from compiler.pipeline.build import BuildResult
from compiler.pipeline.diff import (
    ItemChange,
    ProtectionDiff,
    at_ref,
    protection_diff,
)
from compiler.pipeline.gitref import BaseUnavailable, resolve_base
from compiler.pipeline.protection import Protection
from compiler.registry import RULES
from compiler.report import Report, diagnostic_dict
from compiler.rules.acknowledge import Acknowledged, acknowledge

MARKER = "<!-- backup-policy diff -->"
ALL_NEW = "every data item is new"
SHOWN = 5
"""How many errors of a base that does not compile the text and the comment list."""


def _rpo(protection: Protection | None) -> str:
    if protection is None or protection.effective_rpo is None:
        return "none"
    return humanize(protection.effective_rpo)


def _rpo_change(before: Protection | None, after: Protection | None, arrow: str) -> str:
    """The effective RPO before and after, and the declared one when the change moves it
    (a verdict of "declared RPO longer" beside "1h -> 1h" would leave a reader guessing)."""
    text = f"{_rpo(before)} {arrow} {_rpo(after)}"
    if before is not None and after is not None and before.declared_rpo != after.declared_rpo:
        declared = f"{humanize(before.declared_rpo)} {arrow} {humanize(after.declared_rpo)}"
        text += f" (declared {declared})"
    return text


def _names(values: frozenset[str] | None) -> str:
    return ", ".join(sorted(values)) if values else "none"


def _verdict(change: ItemChange) -> str:
    """The reasons, weaker first; the stronger ones too, so that a tier dropped beside
    one added reads as both."""
    if change.weakened:
        also = f"; also: {'; '.join(change.strengthened)}" if change.strengthened else ""
        return "weakened: " + "; ".join(change.weakened) + also
    return "; ".join(change.strengthened) or "changed"


def _cell(text: str) -> str:
    """Text for a cell of a GitHub table, which splits cells on ``|`` even in code."""
    return text.replace("|", "\\|")


def _text(diff: ProtectionDiff) -> str:
    lines = [] if diff.base_policies else [f"{diff.base} has no policy folder: {ALL_NEW}"]
    if not diff.changes:
        lines.append(f"no change to protection since {diff.base}")
    for change in diff.changes:
        before, after = change.before, change.after
        lines.append(f"{change.service} {change.item}: {_verdict(change)}")
        lines.append(
            f"    methods {_names(before.methods if before else None)} -> "
            f"{_names(after.methods if after else None)}; "
            f"RPO {_rpo_change(before, after, '->')}"
        )
    return "\n".join(lines) + "\n"


def _markdown(diff: ProtectionDiff) -> str:
    changes = diff.changes
    weakened = sum(1 for c in changes if c.weakened)
    head = f"{MARKER}\n### backup-policy: protection changes since `{diff.base}`\n\n"
    if not diff.base_policies:
        head += f"`{diff.base}` has no policy folder: {ALL_NEW}.\n\n"
    if not changes:
        return head + "No data item changes its protection.\n"
    rows = [
        "| service | item | methods | RPO | restore tests | alerts | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for change in changes:
        before, after = change.before, change.after
        methods = f"{_names(before.methods if before else None)} → " + _names(
            after.methods if after else None
        )
        tests = _names(after.restore_tests if after else None)
        alerts = _count(after.alerts if after else frozenset())
        icon = "⚠️ " if change.weakened else ""
        verdict = _cell(_verdict(change).replace(" -> ", " → "))
        rows.append(
            f"| {change.service} | `{_cell(change.item)}` | {methods} "
            f"| {_rpo_change(before, after, '→')} | {tests} | {alerts} | {icon}{verdict} |"
        )
    summary = f"**{weakened} item(s) weakened.**" if weakened else "Nothing is weakened."
    return head + "\n".join(rows) + f"\n\n{summary}\n"


def _count(alerts: frozenset[str] | None) -> str:
    """How many alerts watch the item ('?' when that side did not compile)."""
    return "?" if alerts is None else str(len(alerts))


def _protection(protection: Protection | None) -> dict[str, object] | None:
    if protection is None:
        return None
    return {
        "methods": sorted(protection.methods),
        "declaredRpoSeconds": protection.declared_rpo,
        "effectiveRpoSeconds": protection.effective_rpo,
        "localRpoSeconds": protection.local_rpo,
        "declaredRtoSeconds": protection.declared_rto,
        "restoreTests": sorted(protection.restore_tests),
        "restoreTestFrequencies": {test.id: test.frequency for test in protection.tests},
        "restoreGracePeriodSeconds": protection.grace_period,
        "alerts": None if protection.alerts is None else sorted(protection.alerts),
        "alertSeverities": None if protection.alerts is None else protection.severity,
        "retention": _retention(protection),
        "separateTargets": protection.separate_targets,
        "offsiteTargets": protection.offsite_targets,
        "routines": {
            routine.name: {
                "gapSeconds": routine.gap,
                "offsite": routine.offsite,
                "volumes": routine.volumes,
                "retention": {kept.rule: kept.amount for kept in routine.retention},
            }
            for routine in protection.routines
        },
    }


def _retention(protection: Protection) -> dict[str, dict[str, int]]:
    """Per method, each retention rule's amount (copies, or seconds for a duration)."""
    found: dict[str, dict[str, int]] = {}
    for method, kept in protection.retention:
        found.setdefault(method, {})[kept.rule] = kept.amount
    return found


def _not_compared(diff: ProtectionDiff, current: BuildResult, markdown: bool) -> str:
    """Why nothing is compared: the side whose policies do not compile (both may not),
    and the first errors of the base's (the work tree's are the run's diagnostics)."""
    lines = [MARKER] if markdown else []
    if current.analysis is None:
        lines.append("no comparison: the policies of the work tree do not compile")
    if diff.base_errors:
        base = f"`{diff.base}`" if markdown else diff.base
        lines.append(f"no comparison: the policies of {base} do not compile:")
        shown = [at_ref(error, diff.base) for error in diff.base_errors[:SHOWN]]
        if len(diff.base_errors) > SHOWN:
            shown.append(f"... and {len(diff.base_errors) - SHOWN} more (--format json lists all)")
        lines += ["", "```text", *shown, "```"] if markdown else [f"    {e}" for e in shown]
    return "\n".join(lines) + "\n"


def _fields(base: str, diff: ProtectionDiff | None) -> Fields:
    """diff's summary and fields (docs/formats.md), every one also when the run stopped
    before it compared (``diff`` None: ``basePolicies`` null, no errors, no items)."""
    changes = diff.changes if diff is not None else []
    data = {
        "base": base,
        "basePolicies": diff.base_policies if diff is not None else None,
        "baseErrors": [diagnostic_dict(d) for d in diff.base_errors] if diff is not None else [],
        "items": [
            {
                "service": c.service,
                "item": c.item,
                "before": _protection(c.before),
                "after": _protection(c.after),
                "weakened": list(c.weakened),
                "strengthened": list(c.strengthened),
            }
            for c in changes
        ],
    }
    return {"changed": len(changes), "weakened": sum(1 for c in changes if c.weakened)}, data


def run_diff(config: RunConfig, base: str, markdown: bool = False) -> Outcome:
    if not config.policies.is_dir():
        return usage("diff", config, f"no policy folder at {config.policies}")
    try:  # before anything runs: an unreadable ref is a usage error
        commit = resolve_base(config.repository, base)
    except BaseUnavailable as error:
        return usage("diff", config, str(error))
    # the work tree is read: settle a killed compile first
    _, stopped = settle("diff", config, _fields(base, None))
    if stopped is not None:
        return stopped
    try:
        diff, current = protection_diff(config, base, commit)
    except BaseUnavailable as error:
        return usage("diff", config, str(error))
    accepted: list[Acknowledged] = []
    if current.policies is not None:
        weakened, accepted = acknowledge(diff.diagnostics, current.policies, RULES, config.date)
        diff.diagnostics = weakened
    diagnostics = [*current.diagnostics.sorted(), *diff.diagnostics]
    notes = [a.render() for a in accepted] if config.verbose else []
    failed = any(d.level == "error" for d in diagnostics)
    body = _markdown(diff) if markdown else _text(diff)
    if not diff.compared:
        body = _not_compared(diff, current, markdown)
        failed = True
    summary, data = _fields(base, diff)
    code = EXIT_FAILED if failed else EXIT_OK
    if markdown:  # stdout is the comment alone; the diagnostics go to the log
        notes = [d.render() for d in diagnostics] + notes
        return finish(Report("diff", code, (), body, notes, summary, data), config)
    return finish(Report("diff", code, diagnostics, body, notes, summary, data), config)
