"""The header of a generated file: every source on its own line, never more than a comment."""

from __future__ import annotations

import yaml

from compiler.core.generated import HEADER_MARK, header, is_generated_text


def test_header_lists_every_source_on_its_own_line() -> None:
    sources = tuple(f"policies/services/app-{i}.yaml" for i in range(5))
    lines = header(sources).splitlines()
    assert lines[0] == f"{HEADER_MARK} from:"
    assert lines[1:6] == [f"#   {s}" for s in sources]
    assert "Do not edit" in lines[6]
    assert all(len(line) < 100 for line in lines)


def test_a_source_name_never_breaks_out_of_the_comment() -> None:
    text = header(("policies/evil\nkind: Secret.yaml", "p" * 300 + ".yaml", "é\u2028.yaml"))
    assert all(line.startswith("#") for line in text.splitlines())
    assert yaml.safe_load(text) is None
    assert all(len(line) < 100 for line in text.splitlines())


def test_is_generated_text() -> None:
    generated = header(("policies/x.yaml",)) + "---\na: 1\n"
    assert is_generated_text(generated)
    assert is_generated_text("#!/bin/sh\n" + generated)
    assert not is_generated_text("# a\n# b\n" + generated)  # copied below a comment
    assert not is_generated_text("a: 1\n")
    assert not is_generated_text("")
