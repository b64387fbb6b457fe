"""Diagnostic reporters: text (optionally coloured), JSON and GitHub workflow annotations."""

from __future__ import annotations

import json

from compiler.config import OutputFormat
from compiler.core.diagnostics import Diagnostic

_COLOURS = {"error": "\x1b[31m", "warning": "\x1b[33m"}
_RESET = "\x1b[0m"


def _text(diagnostic: Diagnostic, color: bool) -> str:
    line = diagnostic.render()
    if color:
        level = diagnostic.level
        line = line.replace(f" {level} [", f" {_COLOURS[level]}{level}{_RESET} [", 1)
    return line


def _github_escape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def _github(diagnostic: Diagnostic) -> str:
    message = diagnostic.message + (f"\n{diagnostic.hint}" if diagnostic.hint else "")
    props = [f"file={_github_escape(diagnostic.file, prop=True)}"]
    if diagnostic.line:
        props += [f"line={diagnostic.line}", f"col={diagnostic.col}"]
    props.append(f"title={_github_escape(diagnostic.rule, prop=True)}")
    return f"::{diagnostic.level} {','.join(props)}::{_github_escape(message)}"


def format_diagnostics(
    diagnostics: list[Diagnostic], fmt: OutputFormat, color: bool = False
) -> str:
    """All diagnostics in one string (empty when there are none, except for JSON)."""
    if fmt == "json":
        return (
            json.dumps(
                [
                    {
                        "file": d.file,
                        "line": d.line,
                        "col": d.col,
                        "level": d.level,
                        "rule": d.rule,
                        "message": d.message,
                        "hint": d.hint,
                    }
                    for d in diagnostics
                ],
                indent=2,
            )
            + "\n"
        )
    render = _github if fmt == "github" else (lambda d: _text(d, color))
    return "".join(render(d) + "\n" for d in diagnostics)
