"""The verify stage: the node walk finds what loading the files as data finds."""

from __future__ import annotations

import pytest

from compiler import verify
from compiler.verify import verify_rendered

CASES = {
    "nulls": (
        "kind: A\nspec:\n  x: null\n  y: [1, ~]\n  z: [{a: ~}]\n",
        [
            "BP491 generated field spec.x is null",
            "BP491 generated field spec.y[1] is null",
            "BP491 generated field spec.z[0].a is null",
        ],
    ),
    "no kind": ("spec: {}\n", ["BP490 generated document has no kind"]),
    "a scalar document": ("just text\n", ["BP490 generated document has no kind"]),
    "patch": ("- {op: add, path: /x}\n- {op: remove}\n", ["BP490 generated JSON patch"]),
    "empty documents": ("---\n---\nkind: A\n---\n", []),
    "broken": ("kind: A\nx: [unclosed\n", ["BP490 generated YAML does not parse"]),
    # what only loading settles: the walk hands these over
    "duplicate key": ("kind: A\nx: 1\nx: 2\n", ["BP490 generated YAML does not parse"]),
    "1 and true are one key": ("kind: A\n1: a\ntrue: b\n", ["BP490 generated YAML does not"]),
    "merge key": (
        "kind: A\nbase: &b {p: 1, q: null}\nother:\n  <<: *b\n  p: 2\n",
        ["BP491 generated field base.q is null", "BP491 generated field other.q is null"],
    ),
    "recursive alias": ("kind: A\nr: &r [*r]\n", ["BP490 generated YAML does not parse"]),
}


@pytest.mark.parametrize("name", CASES)
def test_the_walk_reports_what_loading_reports(name: str) -> None:
    text, expected = CASES[name]
    found = [f"{d.rule} {d.message}" for d in verify_rendered({"f.yaml": text})]
    loaded = [f"{d.rule} {d.message}" for d in verify._loaded("f.yaml", text)]
    assert found == loaded
    assert len(found) == len(expected)
    assert all(f.startswith(e) for f, e in zip(found, expected, strict=True))


def test_files_that_are_not_yaml_are_not_read() -> None:
    assert verify_rendered({"cleanup.sh": "echo ${X"}) == []
