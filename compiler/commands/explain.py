"""explain SERVICE: the effective protection of one service, with the reasoning."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from compiler.analyse import Analysis, Copy, Coverage, EffectiveService
from compiler.analyse.evidence import RtoEvidence, Standing, covers, rto_evidence, standings
from compiler.commands import EXIT_FAILED, EXIT_OK, Outcome, failed, finish, usage
from compiler.config import RunConfig
from compiler.core.durations import humanize
from compiler.core.text import did_you_mean
from compiler.pipeline.validate import validate
from compiler.report import Report


def _copy_line(copy: Copy) -> str:
    where = (
        "offsite target" if copy.offsite else "separate target" if copy.separate else "local copy"
    )
    note = f"; {copy.note}" if copy.note else ""
    return (
        f"    - {copy.method} -> {copy.target} ({where}): "
        f"schedule {copy.schedule!r}, worst gap {humanize(copy.gap)}{note}"
    )


def _item_lines(item: Coverage) -> list[str]:
    verdict = "meets" if item.met else "MISSES"
    rpo = item.effective_rpo
    achieved = humanize(rpo) if rpo is not None else "none"
    line = f"  {item.item.key}: effective RPO {achieved} {verdict} {humanize(item.service.rpo)}"
    copies = [_copy_line(copy) for copy in item.copies]
    return [line, *copies, f"    3-2-1: {item.three_two_one}"]


def _standing_line(standing: Standing, service: EffectiveService) -> str:
    test = standing.test
    head = f"    - {test.id} {test.title!r} ({test.type}, {test.frequency}, {test.responsible})"
    last, passed = standing.last_run, standing.last_pass
    state = "never passed" if passed is None else f"last passed {passed.date} by {passed.owner}"
    if passed is not None and passed.duration is not None:
        fits = "within" if passed.duration <= service.rto else "OVER"
        state += f", took {humanize(passed.duration)} ({fits} RTO {humanize(service.rto)})"
    if standing.due is not None:
        state += f"; {'OVERDUE since' if standing.overdue else 'next due by'} {standing.due}"
    if standing.failing and last is not None:
        follow = f" (follow-ups: {'; '.join(last.follow_ups)})" if last.follow_ups else ""
        state += f"; last run {last.date} {last.result} by {last.owner}{follow}"
    return f"{head}: {state}"


def _rto_line(evidence: RtoEvidence | None, service: EffectiveService) -> str:
    rto = humanize(service.rto)
    if evidence is None:
        return f"  RTO {rto}: unproven (no passing restore test covering it recorded a duration)"
    verdict = "EXCEEDED" if evidence.exceeds(service.rto) else "proven"
    return (
        f"  RTO {rto}: {verdict} by {evidence.test.id} on {evidence.run.date} "
        f"(took {humanize(evidence.duration)})"
    )


def _restore_lines(analysis: Analysis, service: EffectiveService, today: dt.date) -> list[str]:
    wanted = service.defaults.restore_test
    lines = [f"  restore tests (class {service.classification} asks for {wanted}):"]
    covering = [s for s in standings(analysis.policies, today) if covers(s.test, service, analysis)]
    lines += [_standing_line(standing, service) for standing in covering] or ["    none"]
    return [*lines, _rto_line(rto_evidence(analysis, service), service)]


def _service_lines(analysis: Analysis, service: EffectiveService, today: dt.date) -> list[str]:
    spec = service.source.policy.spec
    lines = [
        f"{service.key} ({service.source.file})",
        f"  class {spec.classification}, storage {spec.storage}, owner {spec.owner}",
        f"  declared RPO {humanize(service.rpo)}{' (from class)' if spec.rpo is None else ''}, "
        f"RTO {humanize(service.rto)}{' (from class)' if spec.rto is None else ''}",
        f"  methods: {', '.join(service.methods) or 'none'}",
    ]
    for item in (c for c in analysis.coverage if c.service is service):
        lines += _item_lines(item)
    return lines + _restore_lines(analysis, service, today)


def _copy_data(copy: Copy) -> dict[str, object]:
    return {
        "method": copy.method,
        "target": copy.target,
        "separate": copy.separate,
        "offsite": copy.offsite,
        "schedule": copy.schedule,
        "worstGapSeconds": copy.gap,
        "consistent": copy.consistent,
        "note": copy.note,
    }


def _evidence_data(evidence: RtoEvidence | None) -> dict[str, object] | None:
    if evidence is None:
        return None
    run = evidence.run
    return {"test": evidence.test.id, "date": str(run.date), "durationSeconds": evidence.duration}


def _standing_data(standing: Standing) -> dict[str, object]:
    last = standing.last_run
    return {
        "id": standing.test.id,
        "lastPassed": str(standing.last_pass.date) if standing.last_pass else None,
        "due": str(standing.due) if standing.due else None,
        "overdue": standing.overdue,
        "lastResult": last.result if last is not None else None,
    }


def _service_data(
    analysis: Analysis, service: EffectiveService, today: dt.date
) -> dict[str, object]:
    spec = service.source.policy.spec
    covering = [s for s in standings(analysis.policies, today) if covers(s.test, service, analysis)]
    items = [
        {
            "item": c.item.key,
            "effectiveRpoSeconds": c.effective_rpo,
            "met": c.met,
            "copies": [_copy_data(copy) for copy in c.copies],
            "separateTargets": sorted(c.separate_targets),
            "offsiteTargets": sorted(c.offsite_targets),
        }
        for c in analysis.coverage
        if c.service is service
    ]
    return {
        "service": service.key,
        "file": service.source.file,
        "classification": spec.classification,
        "storage": spec.storage,
        "owner": spec.owner,
        "rpoSeconds": service.rpo,
        "rtoSeconds": service.rto,
        "methods": list(service.methods),
        "items": items,
        "restoreTests": [_standing_data(standing) for standing in covering],
        "rtoEvidence": _evidence_data(rto_evidence(analysis, service)),
    }


def _fields(
    analysis: Analysis | None, chosen: Sequence[EffectiveService], today: dt.date
) -> dict[str, object]:
    """explain's ``services`` (docs/formats.md), also when the policies did not load (none)."""
    if analysis is None:
        return {"services": []}
    return {"services": [_service_data(analysis, service, today) for service in chosen]}


def run_explain(config: RunConfig, service: str) -> Outcome:
    """Explain ``service`` (``name`` or ``namespace/name``)."""
    if not config.policies.is_dir():
        return usage("explain", config, f"no policy folder at {config.policies}")
    result = validate(config)
    diagnostics = result.diagnostics.sorted()
    analysis = result.analysis
    if analysis is None:
        data = _fields(None, [], config.date)
        return finish(Report("explain", EXIT_FAILED, diagnostics, data=data), config)
    matches = [s for s in analysis.services if service in (s.key, s.name)]
    if not matches:
        known = sorted(s.key for s in analysis.services)
        hint = did_you_mean(service, known + [s.name for s in analysis.services])
        return usage(
            "explain",
            config,
            f"unknown service {service!r}. {hint or 'known services: '}"
            f"{'' if hint else ', '.join(known) or 'none'}",
        )
    # Warnings about other services are noise here; errors anywhere still fail the run.
    files = {s.source.file for s in matches} | {analysis.policies.cluster.doc.file}
    shown = [d for d in diagnostics if d.file in files or d.level == "error"]
    today = config.date
    lines = [line for chosen in matches for line in _service_lines(analysis, chosen, today)]
    data = _fields(analysis, matches, today)
    code = EXIT_FAILED if failed(result, config) else EXIT_OK
    return finish(Report("explain", code, shown, "\n".join(lines) + "\n", data=data), config)
