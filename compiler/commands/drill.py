"""drill TEST-ID: write the manifests of one run of a restore test and print its checklist."""

from __future__ import annotations

import datetime as dt
from typing import Any

from compiler.commands import EXIT_FAILED, EXIT_OK, Outcome, finish, usage
from compiler.config import RunConfig
from compiler.pipeline.checklist import Section
from compiler.pipeline.drill import DrillResult, drill
from compiler.report import Report

CHECKBOX = "[ ]"


def checklist_text(sections: tuple[Section, ...]) -> list[str]:
    """Numbered checklist items with their commands, section by section."""
    lines: list[str] = []
    number = 0
    for section in sections:
        lines += ["", section.title]
        for group in section.groups:
            if group.title:
                lines.append(f"  {group.title}")
            for step in group.steps:
                number += 1
                lines.append(f"  {CHECKBOX} {number}. {step.text}")
                lines += [f"        {command}" for command in step.commands]
    return lines


def _text(result: DrillResult) -> str:
    test = result.test
    assert test is not None
    files = f"{result.folder}/ ({len(result.files)} files)" if result.files else "none"
    head = [
        f"Restore drill {test.id} ({test.type}) on {result.date}: {test.title}",
        f"responsible: {test.responsible}; manifests: {files}",
    ]
    return "\n".join(head + checklist_text(result.checklist)) + "\n"


def _data(result: DrillResult) -> dict[str, Any]:
    test = result.test
    assert test is not None
    sections = [
        {
            "title": section.title,
            "groups": [
                {
                    "title": group.title,
                    "steps": [{"text": s.text, "commands": list(s.commands)} for s in group.steps],
                }
                for group in section.groups
            ],
        }
        for section in result.checklist
    ]
    drilled: dict[str, Any] = {"test": test.id, "type": test.type, "date": str(result.date)}
    drilled |= {"folder": result.folder, "files": list(result.files), "checklist": sections}
    return {"drill": drilled}


def run_drill(config: RunConfig, test_id: str, day: dt.date | None) -> Outcome:
    """Write the drill of ``test_id`` (on ``day``, default today) and print its checklist."""
    if not config.policies.is_dir():
        return usage("drill", config, f"no policy folder at {config.policies}")
    result = drill(config, test_id, day)
    if result.usage:
        return usage("drill", config, result.usage)
    diagnostics = result.diagnostics.sorted()
    if result.test is None or result.problems or not result.checklist:
        return finish(Report("drill", EXIT_FAILED, diagnostics), config)
    # Warnings about services outside the test's scope are noise here.
    diagnostics = [d for d in diagnostics if d.level == "error" or d.file in result.sources]
    summary = {"files": len(result.files)}
    report = Report(
        "drill", EXIT_OK, diagnostics, _text(result), summary=summary, data=_data(result)
    )
    return finish(report, config)
