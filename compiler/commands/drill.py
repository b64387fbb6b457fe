"""drill TEST-ID: write the manifests of one run of a restore test and print its checklist."""

from __future__ import annotations

import datetime as dt
from typing import Any

from compiler.commands import EXIT_FAILED, EXIT_OK, Fields, Outcome, finish, usage
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


def _fields(result: DrillResult, written: bool) -> Fields:
    """drill's summary and ``drill`` (docs/formats.md), every key also on a failed run: the
    test, its type and the folder once reached (null before), the files and the checklist
    only when the files were written (a checklist of files that are not there misleads)."""
    test = result.test
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
        for section in (result.checklist if written else ())
    ]
    files = list(result.files) if written else []
    drilled: dict[str, Any] = {
        "test": test.id if test is not None else None,
        "type": test.type if test is not None else None,
        "date": str(result.date) if result.date is not None else None,
        "folder": result.folder or None,
        "files": files,
        "checklist": sections,
    }
    return {"files": len(files)}, {"drill": drilled}


def run_drill(config: RunConfig, test_id: str, day: dt.date | None) -> Outcome:
    """Write the drill of ``test_id`` (on ``day``, default today) and print its checklist."""
    if not config.policies.is_dir():
        return usage("drill", config, f"no policy folder at {config.policies}")
    result = drill(config, test_id, day)
    if result.usage:
        return usage("drill", config, result.usage)
    diagnostics = result.diagnostics.sorted()
    if result.test is None or result.problems or not result.checklist:
        summary, data = _fields(result, written=False)
        return finish(Report("drill", EXIT_FAILED, diagnostics, summary=summary, data=data), config)
    # Warnings about services outside the test's scope are noise here.
    diagnostics = [d for d in diagnostics if d.level == "error" or d.file in result.sources]
    summary, data = _fields(result, written=True)
    report = Report("drill", EXIT_OK, diagnostics, _text(result), summary=summary, data=data)
    return finish(report, config)
