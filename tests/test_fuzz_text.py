"""Raw policy text, mutated at random: never a traceback, every problem at a real position
in the file it names, and every input the compiler accepts compiles to objects the upstream
CRDs accept.

Mutations work on the text, not on parsed data, so they reach the reader as well as the
models: broken indentation, stray YAML indicators, truncation, duplicated and swapped lines.
Bounded for CI (``max_examples``) and derandomised there, so a failure reproduces.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.config import RunConfig
from compiler.core.yamlread import load_documents
from compiler.pipeline.build import build
from tests.conftest import REPO
from tests.support.validation.schemas import SchemaRegistry

BASE = REPO / "tests" / "cases" / "base"
FILES = ["policies/services/web.yaml", "policies/cluster.yaml", "policies/restore-tests.yaml"]
TOKENS = [
    ":", ": ", "- ", "-", "#", "&a ", "*a", "<<: *a", "!!str ", "!x ", "|", ">", "'", '"', "{",
    "}", "[", "]", ",", "?", "%YAML 1.2\n", "---\n", "...\n", "\t", "  ", "\n", "\ufeff", "\x00",
    "~", "null", "true", "0x1F", "1e9", "-1", "999999999999999999999", "1h", "H * * * *",
    "../../", "/etc/passwd", "${APP}", "$(id)", "\u00e9", "\u2028",
]  # fmt: skip


@st.composite
def _mutated(draw: st.DrawFn, text: str) -> str:
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(lines) - 1))
        line = lines[index]
        kind = draw(st.sampled_from(["insert", "delete", "dedent", "indent", "dup", "cut"]))
        if kind == "insert":
            at = draw(st.integers(0, len(line)))
            lines[index] = line[:at] + draw(st.sampled_from(TOKENS)) + line[at:]
        elif kind == "delete":
            lines[index] = ""
        elif kind == "dedent":
            lines[index] = line.removeprefix("  ")
        elif kind == "indent":
            lines[index] = "  " + line
        elif kind == "dup":
            lines.insert(index, line)
        else:
            lines = lines[: index + 1]
            lines[-1] = line[: draw(st.integers(0, len(line)))]
    return "".join(lines)


def _generated_objects(outputs: dict[str, str]) -> list[dict[str, object]]:
    objects: list[dict[str, object]] = []
    for path, text in sorted(outputs.items()):
        if "/patches/" in path or path.endswith(("kustomization.yaml", ".md")):
            continue  # partial objects, kustomize's own files (built by other tests), docs
        objects += [doc for doc in load_documents(text) if isinstance(doc, dict)]
    return objects


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(BASE, root, dirs_exist_ok=True)
    return root


@pytest.mark.parametrize("file", FILES)
@settings(
    max_examples=40,
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_mutated_policy_text_is_refused_in_place_or_compiles_valid(
    world: Path, file: str, schema_registry: SchemaRegistry, data: st.DataObject
) -> None:
    policy = world / file
    original = (BASE / file).read_text()
    text = data.draw(_mutated(original), label="text")
    policy.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        result = build(RunConfig(policies=world / "policies", output=world / "out"))
    finally:
        policy.write_text(original)
    errors = [d for d in result.diagnostics.items if d.level == "error"]
    for diagnostic in result.diagnostics.items:
        assert diagnostic.line >= 1 and diagnostic.col >= 1, diagnostic.render()
        assert (world / diagnostic.file).exists(), diagnostic.render()
    if errors:
        return
    assert result.outputs is not None, "no error, so the compile produced its files"
    for obj in _generated_objects(result.outputs):
        assert schema_registry.validate_object(obj) == [], obj
