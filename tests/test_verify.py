"""The verify stage: the node walk finds what loading the files as data finds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compiler import render as render_module
from compiler import verify
from compiler.pipeline import build as build_module
from compiler.verify import verify_rendered
from tests.litestream.example import compile_tree, copy_example, errors

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


def _broken_render(monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    """The pipeline's render, with a line that does not parse added to ``path``."""
    real = render_module.render

    def render(*args: Any) -> dict[str, str]:
        outputs = real(*args)
        return {**outputs, path: outputs[path] + "x: [unclosed\n"}

    monkeypatch.setattr(build_module, "render", render)


def test_a_compile_verifies_what_it_would_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rendered file that differs from the tree's is verified; one equal to it is not
    written, and the tree holds its text already: it is not parsed again."""
    root = copy_example(tmp_path)
    path = "kubernetes/apps/productivity/linkding/backup/kustomization.yaml"
    assert (root / "out" / path).is_file()
    _broken_render(monkeypatch, path)

    result = compile_tree(root)
    assert [(d.rule, d.file) for d in errors(result)] == [("BP490", path)]
    assert result.changes is not None and list(result.changes.writes) == [path]

    (root / "out" / path).write_text((result.outputs or {})[path])
    result = compile_tree(root)
    assert errors(result) == []
    assert result.changes is not None and not result.changes.writes
