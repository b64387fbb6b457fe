"""explain SERVICE: the effective protection of one service, with the reasoning."""

from __future__ import annotations

from compiler.commands import EXIT_FAILED, EXIT_OK, EXIT_USAGE, Outcome
from compiler.config import RunConfig
from compiler.durations import humanize
from compiler.model.build import did_you_mean
from compiler.pipeline import validate
from compiler.report import format_diagnostics


def run_explain(config: RunConfig, service: str) -> Outcome:
    """Explain ``service`` (``name`` or ``namespace/name``)."""
    result = validate(config)
    diagnostics = result.diagnostics.sorted()
    if result.analysis is None:
        return Outcome(EXIT_FAILED, format_diagnostics(diagnostics, config.format, config.color))
    matches = [s for s in result.analysis.services if service in (s.key, s.name)]
    if not matches:
        known = sorted(s.key for s in result.analysis.services)
        hint = did_you_mean(service, known + [s.name for s in result.analysis.services])
        hint = hint or f"known services: {', '.join(known) or 'none'}"
        return Outcome(EXIT_USAGE, "", f"unknown service {service!r}. {hint}\n")
    # Warnings about other services are noise here; errors anywhere still fail the run.
    files = {s.source.file for s in matches} | {result.analysis.policies.cluster.doc.file}
    shown = [d for d in diagnostics if d.file in files or d.level == "error"]
    report = format_diagnostics(shown, config.format, config.color)
    lines = []
    for chosen in matches:
        spec = chosen.source.policy.spec
        lines += [
            f"{chosen.key} ({chosen.source.file})",
            f"  class {spec.classification}, storage {spec.storage}, owner {spec.owner}",
            f"  declared RPO {humanize(chosen.rpo)}, RTO {humanize(chosen.rto)}"
            f"{' (from class)' if spec.rpo is None else ''}",
            f"  methods: {', '.join(chosen.methods) or 'none'}",
        ]
        for item in (c for c in result.analysis.coverage if c.service is chosen):
            verdict = "meets" if item.met else "MISSES"
            rpo = item.effective_rpo
            lines.append(
                f"  {item.item}: effective RPO "
                f"{humanize(rpo) if rpo is not None else 'none'} {verdict} "
                f"{humanize(chosen.rpo)}"
            )
            for copy in item.copies:
                where = "separate target" if copy.separate else "local copy"
                lines.append(
                    f"    - {copy.method} -> {copy.target} ({where}): "
                    f"schedule {copy.schedule!r}, worst gap {humanize(copy.gap)}"
                )
    code = EXIT_FAILED if result.diagnostics.has_errors else EXIT_OK
    return Outcome(code, report + "\n".join(lines) + "\n")
