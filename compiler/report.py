"""What a command reports, in each machine format (docs/formats.md).

A command describes its result as a :class:`Report`; :func:`render` turns it into stdout and
stderr for one format:

- ``text``: ``path:line:col: level [ID] message`` lines (colour on a terminal), then the
  command's own output (a diff, an explanation); summaries go to stderr;
- ``json``: exactly one JSON document on stdout, whatever the command;
- ``github``: workflow annotations (``::error file=...``) for every diagnostic, drift
  included, then the text output for the log;
- ``sarif``: one SARIF 2.1.0 log for code scanning, every rule with its documentation.

File names are shown relative to the working directory; ``--quiet`` keeps only what fails
the run: the errors (with ``--strict`` the warnings too) and the ``failures`` notes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from compiler import __version__
from compiler.config import RunConfig
from compiler.core.diagnostics import Diagnostic
from compiler.core.paths import from_cwd
from compiler.registry import RULES

SCHEMA_VERSION = 1
_COLOURS = {"error": "\x1b[31m", "warning": "\x1b[33m"}
_RESET = "\x1b[0m"
_SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


class Report(Struct, frozen=True):
    """A command's result as data: diagnostics, its own output, summary and payload."""

    command: str
    exit_code: int
    diagnostics: Sequence[Diagnostic] = ()
    body: str = ""
    notes: Sequence[str] = ()
    summary: Mapping[str, int] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)
    failures: Sequence[str] = ()
    """Notes (stderr) on what a failed run did not do, e.g. ``nothing written``: unlike
    ``notes``, shown under ``--quiet`` too."""


def shown_path(file: str, base: Path) -> str:
    """A report path (relative to the project root) relative to the working directory."""
    if not file or file.startswith("-"):
        return file
    path = Path(file) if Path(file).is_absolute() else base / file
    return from_cwd(path)


def _relocated(diagnostics: Sequence[Diagnostic], base: Path) -> list[Diagnostic]:
    return [
        Diagnostic(shown_path(d.file, base), d.line, d.col, d.level, d.rule, d.message, d.hint)
        for d in diagnostics
    ]


def _text_line(diagnostic: Diagnostic, color: bool) -> str:
    line = diagnostic.render()
    if color:
        level = diagnostic.level
        line = line.replace(f" {level} [", f" {_COLOURS[level]}{level}{_RESET} [", 1)
    return line


def _escape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def github_line(diagnostic: Diagnostic) -> str:
    message = diagnostic.message + (f"\n{diagnostic.hint}" if diagnostic.hint else "")
    props = [f"file={_escape(diagnostic.file, prop=True)}"]
    if diagnostic.line:
        props += [f"line={diagnostic.line}", f"col={max(diagnostic.col, 1)}"]
    props.append(f"title={_escape(diagnostic.rule, prop=True)}")
    return f"::{diagnostic.level} {','.join(props)}::{_escape(message)}"


def diagnostic_dict(diagnostic: Diagnostic) -> dict[str, Any]:
    """A diagnostic as ``--format json`` shows it."""
    return {
        "file": diagnostic.file,
        "line": diagnostic.line,
        "col": diagnostic.col,
        "level": diagnostic.level,
        "rule": diagnostic.rule,
        "message": diagnostic.message,
        "hint": diagnostic.hint,
    }


def _counts(report: Report, diagnostics: Sequence[Diagnostic]) -> dict[str, int]:
    errors = sum(1 for d in diagnostics if d.level == "error")
    return {"errors": errors, "warnings": len(diagnostics) - errors, **report.summary}


def _json(report: Report, diagnostics: Sequence[Diagnostic]) -> str:
    document = {
        "schemaVersion": SCHEMA_VERSION,
        "tool": "backup-policy",
        "version": __version__,
        "command": report.command,
        "exitCode": report.exit_code,
        "diagnostics": [diagnostic_dict(d) for d in diagnostics],
        "summary": _counts(report, diagnostics),
        **report.data,
    }
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def _sarif_result(diagnostic: Diagnostic) -> dict[str, Any]:
    text = diagnostic.message + (f" (hint: {diagnostic.hint})" if diagnostic.hint else "")
    location: dict[str, Any] = {"artifactLocation": {"uri": diagnostic.file}}
    if diagnostic.line:
        location["region"] = {"startLine": diagnostic.line, "startColumn": max(diagnostic.col, 1)}
    return {
        "ruleId": diagnostic.rule,
        "level": diagnostic.level,
        "message": {"text": text},
        "locations": [{"physicalLocation": location}],
    }


def _sarif(diagnostics: Sequence[Diagnostic], stopped_by: str = "") -> str:
    rules = [
        {
            "id": rule.id,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.doc or rule.summary},
            "defaultConfiguration": {"level": rule.level},
            "helpUri": f"docs/rules.md#{rule.id.lower()}",
        }
        for rule in RULES
    ]
    run = {
        "tool": {"driver": {"name": "backup-policy", "version": __version__, "rules": rules}},
        "results": [_sarif_result(d) for d in diagnostics],
    }
    if stopped_by:
        # SARIF's way to say the tool did not run through: a failed invocation with why
        notification = {"level": "error", "message": {"text": stopped_by}}
        invocation = {"executionSuccessful": False, "toolExecutionNotifications": [notification]}
        run["invocations"] = [invocation]
    log = {"$schema": _SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2) + "\n"


def stopped(command: str, fmt: str, exit_code: int, message: str) -> str:
    """stdout of a run that stopped before it had a result (a usage or an internal error):
    in a machine format still the one document it promises, with the message."""
    if fmt == "json":
        return _json(Report(command, exit_code, data={"error": message}), [])
    if fmt == "sarif":
        return _sarif([], stopped_by=message)
    if fmt == "github":
        title = _escape(f"backup-policy {command}", prop=True)
        return f"::error title={title}::{_escape(message)}\n"
    return ""


def failing(diagnostic: Diagnostic, config: RunConfig) -> bool:
    """Whether ``diagnostic`` fails the run: an error, or with ``--strict`` a warning."""
    return diagnostic.level == "error" or config.strict


def render(report: Report, config: RunConfig) -> tuple[str, str]:
    """(stdout, stderr) of ``report`` in the configured format."""
    diagnostics = _relocated(sorted(report.diagnostics), config.project_root)
    if config.format == "json":
        return _json(report, diagnostics), ""
    if config.format == "sarif":
        return _sarif(diagnostics), ""
    if config.quiet:
        diagnostics = [d for d in diagnostics if failing(d, config)]
    if config.format == "github":
        lines = [github_line(d) for d in diagnostics]
    else:
        lines = [_text_line(d, config.color) for d in diagnostics]
    stdout = "".join(f"{line}\n" for line in lines) + report.body
    notes = [*report.failures, *(() if config.quiet else report.notes)]
    return stdout, "".join(f"{note}\n" for note in notes)
