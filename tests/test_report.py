"""Reporters: text, JSON, GitHub workflow annotations and SARIF (docs/formats.md)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from compiler.config import RunConfig
from compiler.core.diagnostics import Diagnostic, Diagnostics
from compiler.registry import RULES
from compiler.report import Report, render
from tests.conftest import REPO


@pytest.fixture(autouse=True)
def _at_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # file names are shown relative to the working directory


def format_diagnostics(
    diagnostics: list[Diagnostic], fmt: str, color: bool = False, **report: Any
) -> str:
    config = RunConfig(policies=REPO / "policies", format=fmt, color=color)  # type: ignore[arg-type]
    stdout, _ = render(Report(report.pop("command", "validate"), 1, diagnostics, **report), config)
    return stdout


ERROR = Diagnostic(
    "policies/services/web.yaml",
    7,
    19,
    "error",
    "BP203",
    "spec.classification: 'importnat' is not one of critical, important",
    "did you mean 'important'?",
)
WARNING = Diagnostic(
    "policies/services/web.yaml", 25, 15, "warning", "BP315", "/cache/db on emptyDir"
)
NO_POSITION = Diagnostic("policies", 0, 0, "error", "BP111", "no ClusterPolicy found")


def test_text() -> None:
    text = format_diagnostics([ERROR, WARNING], "text")
    assert text == (
        "policies/services/web.yaml:7:19: error [BP203] spec.classification: 'importnat' is "
        "not one of critical, important\n"
        "    hint: did you mean 'important'?\n"
        "policies/services/web.yaml:25:15: warning [BP315] /cache/db on emptyDir\n"
    )


def test_text_is_empty_without_diagnostics() -> None:
    assert format_diagnostics([], "text") == ""
    assert format_diagnostics([], "github") == ""


def test_text_colour_only_when_asked() -> None:
    plain = format_diagnostics([ERROR, WARNING], "text")
    assert "\x1b[" not in plain
    coloured = format_diagnostics([ERROR, WARNING], "text", color=True)
    assert "\x1b[31merror\x1b[0m [BP203]" in coloured
    assert "\x1b[33mwarning\x1b[0m [BP315]" in coloured
    assert re.sub(r"\x1b\[\d+m", "", coloured) == plain


def test_json_is_parseable_with_every_field() -> None:
    document = json.loads(format_diagnostics([ERROR, WARNING, NO_POSITION], "json"))
    assert document["schemaVersion"] == 1 and document["command"] == "validate"
    assert document["exitCode"] == 1
    assert document["summary"] == {"errors": 2, "warnings": 1}
    data = document["diagnostics"]  # sorted by file, line, column
    assert data == [
        {
            "file": "policies",
            "line": 0,
            "col": 0,
            "level": "error",
            "rule": "BP111",
            "message": "no ClusterPolicy found",
            "hint": "",
        },
        {
            "file": ERROR.file,
            "line": 7,
            "col": 19,
            "level": "error",
            "rule": "BP203",
            "message": ERROR.message,
            "hint": ERROR.hint,
        },
        {
            "file": WARNING.file,
            "line": 25,
            "col": 15,
            "level": "warning",
            "rule": "BP315",
            "message": WARNING.message,
            "hint": "",
        },
    ]


def test_json_without_diagnostics_is_one_document_with_an_empty_list() -> None:
    assert json.loads(format_diagnostics([], "json"))["diagnostics"] == []


def test_json_carries_the_commands_own_data_and_summary() -> None:
    text = format_diagnostics(
        [], "json", command="compile", summary={"written": 3}, data={"x": [1]}
    )
    document = json.loads(text)
    assert document["summary"] == {"errors": 0, "warnings": 0, "written": 3}
    assert document["x"] == [1] and document["command"] == "compile"


def test_sarif_has_every_rule_and_each_result_located() -> None:
    log = json.loads(format_diagnostics([ERROR, NO_POSITION], "sarif"))
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [r.id for r in RULES]
    first, second = run["results"]
    assert second["ruleId"] == "BP203" and second["level"] == "error"
    location = second["locations"][0]["physicalLocation"]
    assert location == {
        "artifactLocation": {"uri": "policies/services/web.yaml"},
        "region": {"startLine": 7, "startColumn": 19},
    }
    assert "region" not in first["locations"][0]["physicalLocation"]


def test_paths_are_shown_relative_to_the_working_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO / "policies")
    assert format_diagnostics([WARNING], "text").startswith("services/web.yaml:25:15: warning")
    monkeypatch.chdir(REPO / "tests")
    assert format_diagnostics([WARNING], "text").startswith("../policies/services/web.yaml:25:15")


def test_json_escapes_awkward_text() -> None:
    odd = Diagnostic('a "b"\\c.yaml', 1, 2, "error", "BP200", "line1\nline2\t\u00e9 \x00")
    [data] = json.loads(format_diagnostics([odd], "json"))["diagnostics"]
    assert data["file"] == 'a "b"\\c.yaml' and data["message"] == "line1\nline2\t\u00e9 \x00"


def test_github_annotation() -> None:
    assert format_diagnostics([WARNING], "github") == (
        "::warning file=policies/services/web.yaml,line=25,col=15,title=BP315::"
        "/cache/db on emptyDir\n"
    )


def test_github_hint_goes_on_an_escaped_second_line() -> None:
    line = format_diagnostics([ERROR], "github")
    assert line.count("\n") == 1 and line.endswith("\n")
    assert line.startswith("::error file=policies/services/web.yaml,line=7,col=19,title=BP203::")
    assert line.rstrip("\n").endswith("%0Adid you mean 'important'?")


def test_github_without_position_omits_line_and_col() -> None:
    assert format_diagnostics([NO_POSITION], "github") == (
        "::error file=policies,title=BP111::no ClusterPolicy found\n"
    )


def _unescape_property(text: str) -> str:
    return (
        text.replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%25", "%")
    )


def _unescape_message(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def test_github_escaping() -> None:
    odd = Diagnostic(
        "dir,with:odd%name\n.yaml",
        3,
        4,
        "error",
        "BP2:0,0",
        "100% sure: a, b\r\nnext line %0A literal",
    )
    line = format_diagnostics([odd], "github").rstrip("\n")
    assert "\n" not in line and "\r" not in line
    match = re.fullmatch(r"::error (?P<props>[^:]*)::(?P<message>.*)", line)
    assert match is not None, line
    props = dict(part.split("=", 1) for part in match["props"].split(","))
    assert set(props) == {"file", "line", "col", "title"}
    assert _unescape_property(props["file"]) == odd.file
    assert _unescape_property(props["title"]) == odd.rule
    assert (props["line"], props["col"]) == ("3", "4")
    assert _unescape_message(match["message"]) == odd.message
    assert "%250A" in match["message"]  # a literal %0A stays literal


def test_diagnostics_collection_deduplicates_and_sorts() -> None:
    collected = Diagnostics()
    collected.extend([WARNING, ERROR, WARNING, NO_POSITION])
    assert collected.items == [WARNING, ERROR, NO_POSITION]
    assert collected.has_errors
    assert collected.sorted() == [NO_POSITION, ERROR, WARNING]
    only_warnings = Diagnostics()
    only_warnings.add(WARNING)
    assert not only_warnings.has_errors
