"""explain SERVICE: the effective protection of one service, with the reasoning."""

from __future__ import annotations

import datetime as dt

from compiler.analyse import Analysis, Copy, Coverage, EffectiveService
from compiler.commands import EXIT_FAILED, EXIT_OK, Outcome, failed, finish, usage
from compiler.config import RunConfig
from compiler.core.durations import humanize
from compiler.core.text import did_you_mean
from compiler.model.restore import RestoreTest
from compiler.model.types import FREQUENCY_DAYS
from compiler.pipeline.validate import validate
from compiler.report import Report


def _copy_line(copy: Copy) -> str:
    where = (
        "offsite target" if copy.offsite else "separate target" if copy.separate else "local copy"
    )
    return (
        f"    - {copy.method} -> {copy.target} ({where}): "
        f"schedule {copy.schedule!r}, worst gap {humanize(copy.gap)}"
    )


def _item_lines(item: Coverage) -> list[str]:
    verdict = "meets" if item.met else "MISSES"
    rpo = item.effective_rpo
    achieved = humanize(rpo) if rpo is not None else "none"
    line = f"  {item.item.key}: effective RPO {achieved} {verdict} {humanize(item.service.rpo)}"
    return [line, *(_copy_line(copy) for copy in item.copies)]


def _last_run(test: RestoreTest) -> str:
    """The latest run when it did not pass, with its follow-ups."""
    runs = sorted(test.protocol, key=lambda r: r.date)
    if not runs or runs[-1].result == "passed":
        return ""
    last = runs[-1]
    follow = f" (follow-ups: {'; '.join(last.follow_ups)})" if last.follow_ups else ""
    return f"; last run {last.date} {last.result} by {last.owner}{follow}"


def _test_line(test: RestoreTest, service: EffectiveService, grace: int) -> str:
    head = f"    - {test.id} {test.title!r} ({test.type}, {test.frequency}, {test.responsible})"
    passed = sorted((run for run in test.protocol if run.result == "passed"), key=lambda r: r.date)
    if not passed:
        return f"{head}: never passed{_last_run(test)}"
    last = passed[-1]
    took = ""
    if last.duration is not None:
        fits = "within" if last.duration <= service.rto else "OVER"
        took = f", took {humanize(last.duration)} ({fits} RTO {humanize(service.rto)})"
    due = last.date + dt.timedelta(days=FREQUENCY_DAYS[test.frequency], seconds=grace)
    return (
        f"{head}: last passed {last.date} by {last.owner}{took}; next due by {due}{_last_run(test)}"
    )


def _restore_lines(analysis: Analysis, service: EffectiveService) -> list[str]:
    plan = analysis.policies.restore_plan
    wanted = service.defaults.restore_test
    lines = [f"  restore tests (class {service.classification} asks for {wanted}):"]
    tests = {t.id: t for t in plan.policy.spec.tests} if plan is not None else {}
    grace = plan.policy.spec.grace_period if plan is not None else 0
    ids = service.source.policy.spec.restore_tests
    lines += [_test_line(tests[i], service, grace) for i in ids if i in tests]
    return lines if ids else [*lines, "    none"]


def _service_lines(analysis: Analysis, service: EffectiveService) -> list[str]:
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
    return lines + _restore_lines(analysis, service)


def _copy_data(copy: Copy) -> dict[str, object]:
    return {
        "method": copy.method,
        "target": copy.target,
        "separate": copy.separate,
        "offsite": copy.offsite,
        "schedule": copy.schedule,
        "worstGapSeconds": copy.gap,
    }


def _service_data(analysis: Analysis, service: EffectiveService) -> dict[str, object]:
    spec = service.source.policy.spec
    items = [
        {
            "item": c.item.key,
            "effectiveRpoSeconds": c.effective_rpo,
            "met": c.met,
            "copies": [_copy_data(copy) for copy in c.copies],
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
        "restoreTests": list(spec.restore_tests),
    }


def run_explain(config: RunConfig, service: str) -> Outcome:
    """Explain ``service`` (``name`` or ``namespace/name``)."""
    if not config.policies.is_dir():
        return usage(f"no policy folder at {config.policies}")
    result = validate(config)
    diagnostics = result.diagnostics.sorted()
    analysis = result.analysis
    if analysis is None:
        return finish(Report("explain", EXIT_FAILED, diagnostics), config)
    matches = [s for s in analysis.services if service in (s.key, s.name)]
    if not matches:
        known = sorted(s.key for s in analysis.services)
        hint = did_you_mean(service, known + [s.name for s in analysis.services])
        return usage(
            f"unknown service {service!r}. {hint or 'known services: '}"
            f"{'' if hint else ', '.join(known) or 'none'}"
        )
    # Warnings about other services are noise here; errors anywhere still fail the run.
    files = {s.source.file for s in matches} | {analysis.policies.cluster.doc.file}
    shown = [d for d in diagnostics if d.file in files or d.level == "error"]
    lines = [line for chosen in matches for line in _service_lines(analysis, chosen)]
    data = {"services": [_service_data(analysis, chosen) for chosen in matches]}
    code = EXIT_FAILED if failed(result, config) else EXIT_OK
    return finish(Report("explain", code, shown, "\n".join(lines) + "\n", data=data), config)
