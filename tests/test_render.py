"""Stage 5, render: values reach YAML only through ``q`` and ``block``, and survive intact."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pytest
import yaml
from ruamel.yaml import YAML

from compiler.plan import PlannedFile
from compiler.render import (
    HEADER_MARK,
    RenderError,
    block,
    environment,
    flux_escape,
    header,
    quote,
    render_file,
    templates_dir,
)


def _yaml12(text: str) -> object:
    return YAML(typ="safe", pure=True).load(text)


def _yaml11(text: str) -> object:
    """PyYAML follows YAML 1.1 like the Go parsers Kubernetes tools use (yes/no/on are bools)."""
    return yaml.safe_load(text)


PARSERS = pytest.mark.parametrize("parse", [_yaml12, _yaml11], ids=["yaml1.2", "yaml1.1"])

TRICKY = [
    "a: b",
    "- x",
    '"quote"',
    "'single'",
    "#comment",
    "a #b",
    "${VAR}",
    "$${VAR}",
    "line1\nline2",
    "trailing\n",
    "yes",
    "no",
    "on",
    "off",
    "Yes",
    "NO",
    "y",
    "n",
    "true",
    "False",
    "null",
    "Null",
    "~",
    "",
    " ",
    " lead",
    "trail ",
    "1e3",
    "1_000",
    "0o17",
    "0x1F",
    "017",
    ".inf",
    "-.nan",
    "1:30",
    "2026-10-01",
    "&anchor",
    "*alias",
    "!tag",
    "%directive",
    "@at",
    "`tick`",
    "{a: 1}",
    "[x]",
    "? key",
    "| block",
    "> folded",
    "---",
    "...",
    "\ttab",
    "back\\slash",
    "\\n",
    "\u00e9",
    "日本",
    "emoji 😀",
    "nbsp\u00a0x",
    "zero\u200bwidth",
    "bell\x07",
]


@PARSERS
@pytest.mark.parametrize("value", TRICKY, ids=repr)
def test_q_round_trips_strings(value: str, parse: object) -> None:
    assert callable(parse)
    assert parse(f"key: {quote(value)}\n") == {"key": value}
    assert parse(f"- {quote(value)}\n") == [value]
    assert parse(f"{quote(value)}: 1\n") == {value: 1}


@PARSERS
@pytest.mark.parametrize(
    "value", ["nel\x85x", "ls\u2028x", "ps\u2029x", "del\x7fx", "c1\x9bx", "bom\ufeffx"], ids=repr
)
def test_q_escapes_characters_yaml_folds_or_refuses(value: str, parse: object) -> None:
    """NEL, LS and PS are YAML 1.1 line breaks (NEL folds to a space inside quotes, LS/PS
    break an implicit key); DEL and C1 controls are not allowed in a YAML stream at all.
    ``json.dumps(ensure_ascii=False)`` leaves them raw."""
    assert callable(parse)
    assert parse(f"key: {quote(value)}\n") == {"key": value}
    assert parse(f"{quote(value)}: 1\n") == {value: 1}


@pytest.mark.parametrize(
    ("value", "text"), [(0, "0"), (42, "42"), (-1, "-1"), (True, "true"), (False, "false")]
)
def test_q_numbers_and_booleans(value: object, text: str) -> None:
    assert quote(value) == text
    assert _yaml11(f"k: {text}\n") == {"k": value}


@pytest.mark.parametrize("value", [None, {"a": 1}, ["a"], ("a",), 1.5, object()])
def test_q_refuses_what_is_not_a_scalar(value: object) -> None:
    with pytest.raises(RenderError, match="refusing"):
        quote(value)


BLOCKS = [
    "echo hi\n",
    "no trailing newline",
    "key: value\nother: 1\n",
    "---\nkind: Secret\n...\n",
    "- item\n- other\n",
    "# comment\n#!/bin/sh\n",
    "a\n\nb\n",
    "x\n  indented later\n",
    "tab\there\n",
    "${VAR} and $${VAR}\n",
    "key: |\n  nested block\n",
    "\"quoted\": 'x'\n",
]
LEADING = ["  starts indented\nx\n", "\nstarts with a blank line\n"]
TRAILING = ["two newlines\n\n", "three\n\n\n", "\n"]


def _flat(text: str) -> str:
    return f"script: {block(text, 2)}\nafter: 1\n"


def _nested(text: str) -> str:
    return f"data:\n  script: {block(text, 4)}\n  after: 1\nlast: 2\n"


@PARSERS
@pytest.mark.parametrize("text", BLOCKS + LEADING[:1], ids=repr)
def test_block_keeps_content_inside_the_scalar(text: str, parse: object) -> None:
    assert callable(parse)
    assert parse(_flat(text)) == {"script": text, "after": 1}


@PARSERS
@pytest.mark.parametrize("text", BLOCKS, ids=repr)
def test_block_nested(text: str, parse: object) -> None:
    assert callable(parse)
    assert parse(_nested(text)) == {"data": {"script": text, "after": 1}, "last": 2}


@PARSERS
@pytest.mark.parametrize("text", LEADING, ids=repr)
def test_block_nested_with_leading_space(text: str, parse: object) -> None:
    """The indentation indicator is relative to the parent node, not the column: ``|4`` under a
    key at column 2 means content at column 6, so the body at column 4 falls out of it."""
    assert callable(parse)
    assert parse(_nested(text)) == {"data": {"script": text, "after": 1}, "last": 2}


@PARSERS
@pytest.mark.parametrize("text", TRAILING, ids=repr)
def test_block_keeps_trailing_newlines(text: str, parse: object) -> None:
    """``|+`` keeps trailing line breaks, but the body drops the empty lines that carry them."""
    assert callable(parse)
    assert parse(_flat(text)) == {"script": text, "after": 1}


def test_block_does_not_silently_change_carriage_returns() -> None:
    """YAML normalises line breaks, so a CR cannot survive a literal block: refuse it."""
    text = "a\r\nb\n"
    try:
        rendered = _flat(text)
    except RenderError:
        return
    assert _yaml12(rendered) == {"script": text, "after": 1}


def test_block_refuses_non_strings() -> None:
    with pytest.raises(RenderError):
        block(None, 2)  # type: ignore[arg-type]


def test_flux_escape() -> None:
    assert flux_escape("a ${VAR} b ${X}", True) == "a $${VAR} b $${X}"
    assert flux_escape("a ${VAR}", False) == "a ${VAR}"
    assert flux_escape("$VAR and $(cmd)", True) == "$VAR and $(cmd)"


@dataclass(frozen=True)
class Obj:
    name: str


def test_strict_undefined_raises() -> None:
    env = environment()
    with pytest.raises((jinja2.UndefinedError, RenderError)):
        env.from_string("{{ missing }}").render()
    with pytest.raises((jinja2.UndefinedError, RenderError)):
        env.from_string("{{ missing | q }}").render()
    with pytest.raises((jinja2.UndefinedError, RenderError)):
        env.from_string("{{ obj.nmae | q }}").render(obj=Obj("x"))
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{% for x in missing %}{% endfor %}").render()
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{% if obj.nmae %}x{% endif %}").render(obj=Obj("x"))


@pytest.mark.parametrize("value", [None, {"a": 1}, ["a"], True, 1.5])
def test_raw_values_are_refused(value: object) -> None:
    with pytest.raises(RenderError, match="raw"):
        environment().from_string("key: {{ value }}").render(value=value)


def test_quoted_values_render() -> None:
    out = (
        environment().from_string("name: {{ obj.name | q }}\nn: {{ 3 }}\n").render(obj=Obj("a: b"))
    )
    assert _yaml12(out) == {"name": "a: b", "n": 3}


_EXPRESSION = re.compile(r"\{\{(.*?)\}\}", re.S)
_SAFE_END = re.compile(r"\|\s*(q|block\(\s*\d+\s*\))\s*$")


def test_every_template_expression_goes_through_q_or_block() -> None:
    """A raw ``{{ value }}`` of a string would pass ``finalize`` unquoted: forbid it statically.
    Calls of the templates' own macros are fine (their bodies are checked too)."""
    templates = sorted(templates_dir().rglob("*.j2"))
    assert templates
    macros = {
        name
        for path in templates
        for name in re.findall(r"\{%-?\s*macro\s+(\w+)\(", path.read_text())
    }
    unsafe = []
    for path in templates:
        for expression in _EXPRESSION.findall(path.read_text()):
            body = expression.strip()
            if _SAFE_END.search(body) or body.split("(")[0].strip() in macros:
                continue
            unsafe.append(f"{path.relative_to(templates_dir())}: {{{{ {body} }}}}")
    assert unsafe == []


def test_header_names_the_sources() -> None:
    text = header(("policies/services/web.yaml", "policies/cluster.yaml"))
    first, second = text.splitlines()
    assert first == (f"{HEADER_MARK} from policies/services/web.yaml, policies/cluster.yaml.")
    assert "Do not edit" in second
    many = header(tuple(f"p{i}.yaml" for i in range(5)))
    assert many.startswith(f"{HEADER_MARK} from p0.yaml, p1.yaml, p2.yaml and 2 more.")


def test_render_file_puts_the_header_first(tmp_path: Path) -> None:
    planned = PlannedFile(
        "x/kustomization.yaml",
        "kustomize/resources.yaml.j2",
        ("p.yaml",),
        _Resources(("a.yaml", "b: c.yaml")),
    )
    text = render_file(planned)
    assert text.startswith(HEADER_MARK)
    assert text.endswith("\n") and not text.endswith("\n\n")
    data = _yaml12(text)
    assert isinstance(data, dict) and data["resources"] == ["a.yaml", "b: c.yaml"]
    assert render_file(planned) == text  # deterministic


@dataclass(frozen=True)
class _Resources:
    resources: tuple[str, ...]
