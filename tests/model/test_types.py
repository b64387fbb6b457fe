"""Constrained scalar types of the policy models."""

from __future__ import annotations

import re

import pytest
from pydantic import TypeAdapter, ValidationError

from compiler.model.types import Line

LINE = TypeAdapter(Line)


@pytest.mark.parametrize("text", ["ops", "Jörg Müller <jm@example.org>", "日本"])
def test_one_line_of_printable_text_is_a_line(text: str) -> None:
    assert LINE.validate_python(text) == text


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("ops\nInjected: x", "a line break (U+000A) at character 4"),
        ("ops\r", "a line break (U+000D) at character 4"),
        ("a\u2028b", "a line break (U+2028) at character 2"),
        ("\x1b[2Jops", "a control character (U+001B) at character 1"),
        ("a\tb", "a control character (U+0009) at character 2"),
        ("a\x85b", "a control character (U+0085) at character 2"),
        ("ops\x7f", "a control character (U+007F) at character 4"),
    ],
)
def test_a_break_or_a_control_character_is_refused(text: str, problem: str) -> None:
    expected = re.escape(f"must be one line of printable text: {problem}")
    with pytest.raises(ValidationError, match=expected):
        LINE.validate_python(text)


def test_an_empty_line_is_refused() -> None:
    with pytest.raises(ValidationError):
        LINE.validate_python("")
