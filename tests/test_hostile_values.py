"""Every string field of the example's policies, given hostile text: refused at its line, or
inert in the output (the YAML parses back, no Flux substitution appears, no script changes).

Bounded for CI: a few examples per field (``max_examples``), every field its own test.
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.config import RunConfig
from compiler.core.emit import dump, flux_escaped
from compiler.core.rule import PathKey
from compiler.load import load_file, load_text
from compiler.pipeline.build import build
from compiler.tools.litestream.cleanup import script_text
from tests.conftest import REPO
from tests.support.files import copy_example

DANGEROUS = [
    "\n", "---", ": ", " #", "${X}", "$${X}", "$(id)", "`id`", "'", '"', "\x07", "\u2028",
    "{a: b}", "- x", "\t", "..", "*", "&x", "!tag", "%", "\\", "\u00e9",
]  # fmt: skip
FILLER = st.lists(st.sampled_from(["a", "b9", "/", "-", "."]), max_size=2).map("".join)
HOSTILE = st.tuples(FILLER, st.sampled_from(DANGEROUS), FILLER).map("".join)
UNESCAPED = re.compile(r"(?<!\$)\$\{")


def _strings(node: Any, path: PathKey) -> list[PathKey]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _strings(v, (*path, str(k)))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _strings(v, (*path, i))]
    return [path] if isinstance(node, str) and path[-1] not in ("apiVersion", "kind") else []


def _shape(file: str, field: PathKey) -> tuple[str, PathKey]:
    """The model field a value is: the kind of file and the path without list indices."""
    kind = "services" if "/services/" in file else file
    return kind, tuple("*" if isinstance(step, int) else step for step in field)


def _fields() -> list[tuple[str, PathKey]]:
    """One value per model field (the first in file order): the fifth protocol entry's
    owner or another service's owner is the same field through the same code, and a
    build per value is what the suite's time goes on."""
    found: dict[tuple[str, PathKey], tuple[str, PathKey]] = {}
    for path in sorted((REPO / "policies").rglob("*.yaml")):
        rel = path.relative_to(REPO).as_posix()
        doc, _ = load_file(path, rel)
        assert doc is not None
        for field in _strings(doc.data, ()):
            found.setdefault(_shape(rel, field), (rel, field))
    return list(found.values())


FIELDS = _fields()


def _set(data: Any, path: PathKey, value: str) -> None:
    for step in path[:-1]:
        data = data[step]
    data[path[-1]] = value


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_example(tmp_path_factory.mktemp("example"))


def _check_outputs(outputs: dict[str, str], unsubstituted: tuple[str, ...]) -> None:
    """Every file parses; where Flux substitutes (every folder but the plan's
    ``unsubstituted``, whose Kustomizations have no variable), no ``${`` is left for it."""
    for path, text in outputs.items():
        if path.endswith(".md"):
            continue  # the generated docs: Markdown, never applied by Flux
        list(yaml.safe_load_all(text))  # parses back
        if not path.startswith(tuple(f"{folder}/" for folder in unsubstituted)):
            assert not UNESCAPED.search(text), f"{path}: a substitution Flux would expand"
        if path.endswith("cleanup-script.yaml"):
            (config_map,) = yaml.safe_load_all(text)
            assert config_map["data"]["cleanup.sh"] == flux_escaped(script_text())


@pytest.mark.parametrize(
    ("file", "field"), FIELDS, ids=[f"{f}:{'.'.join(map(str, p))}" for f, p in FIELDS]
)
@settings(
    max_examples=2,
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(value=HOSTILE)
def test_a_hostile_value_is_refused_at_its_line_or_inert(
    example: Path, file: str, field: PathKey, value: str
) -> None:
    policy = example / file
    original = policy.read_text()
    loaded, _ = load_text(original, file)
    assert loaded is not None
    data = copy.deepcopy(loaded.data)
    _set(data, field, value)
    policy.write_text(dump(data))
    try:
        doc, _ = load_file(policy, file)
        assert doc is not None
        line = doc.locate(field)[0]
        result = build(RunConfig(policies=example / "policies", output=example / "out"))
    finally:
        policy.write_text(original)
    errors = [d for d in result.diagnostics.items if d.level == "error"]
    assert not [d for d in errors if d.rule.startswith("BP49")], "the compiler wrote broken YAML"
    if errors:
        # Refused: at the value's line when the value itself is wrong; a valid but different
        # value (another namespace, mount path or name) may break a reference elsewhere.
        own = [d for d in errors if (d.file, d.line) == (file, line)]
        assert own or all(d.rule[:3] in ("BP3", "BP4") for d in errors), [
            d.render() for d in errors
        ]
    else:
        assert result.outputs is not None and result.plan is not None
        _check_outputs(result.outputs, result.plan.unsubstituted)
