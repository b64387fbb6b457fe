"""--fix's edit of an app kustomization: one entry added, everything else kept."""

from __future__ import annotations

import pytest

from compiler.plan.wiring import with_component, without_entries

STYLES = [
    "resources:\n  - a.yaml\n",  # sequences indented under their key
    "resources:\n- a.yaml\n",  # sequences at the key's column
    "resources:\n    - a.yaml\n",  # four spaces
]


@pytest.mark.parametrize("text", STYLES)
def test_the_file_keeps_its_indentation(text: str) -> None:
    fixed = with_component(text, "./backup")
    assert fixed is not None
    item = text.splitlines()[1].split("-")[0]
    assert fixed == text + f"components:\n{item}- ./backup\n"


def test_a_document_marker_and_comments_are_kept() -> None:
    text = "---\n# app\nresources:  # what it runs\n  - a.yaml\n"
    assert with_component(text, "../backup") == text + "components:\n  - ../backup\n"


def test_what_is_not_a_mapping_is_not_edited() -> None:
    assert with_component("- a\n", "./backup") is None
    assert with_component("a: [\n", "./backup") is None


def test_windows_line_ends_are_kept_both_ways() -> None:
    """A kustomization written with ``\\r\\n``: ruamel writes ``\\n``, and the whole file
    once came back rewritten with them."""
    text = "---\r\n# app\r\nresources:\r\n  - a.yaml  # the app\r\n"
    fixed = with_component(text, "../backup")
    assert fixed == text + "components:\r\n  - ../backup\r\n"
    assert without_entries(fixed, "components", ["../backup"]) == text
