"""The JSON Schema of the policy format: self-contained, documented, defaults as written.

Every property of every model (tools' blocks included) has a description and examples, and
its default and examples are valid against the property's own schema; a field a new tool
adds without them fails here.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel, TypeAdapter

from compiler.model.schema import (
    ANY_KIND_FILE,
    DIALECT,
    SCHEMA_BASE,
    SCHEMA_FILES,
    any_kind_schema,
    kind_schema,
)
from compiler.model.types import MODEL_CONFIG
from compiler.registry import DEFAULT
from tests.conftest import REPO

KINDS = sorted(SCHEMA_FILES)
HEADER = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


def _documents() -> dict[str, dict[str, Any]]:
    documents = {SCHEMA_FILES[kind]: kind_schema(DEFAULT.kinds, kind) for kind in KINDS}
    return {**documents, ANY_KIND_FILE: any_kind_schema(DEFAULT.kinds)}


def _walk(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object in ``node`` with its JSON pointer."""
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from _walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{where}/{index}")


def _properties(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property of the root and of every model in ``$defs``."""
    for name, sub in schema.get("properties", {}).items():
        yield f"#/properties/{name}", sub
    for model, definition in schema.get("$defs", {}).items():
        for name, sub in definition.get("properties", {}).items():
            yield f"#/$defs/{model}/properties/{name}", sub


def undocumented(schema: dict[str, Any]) -> list[str]:
    """Properties without description or examples, or whose default or an example is not
    valid against the property's own schema."""
    problems = []
    for where, prop in _properties(schema):
        validator = Draft202012Validator({**prop, "$defs": schema.get("$defs", {})})
        if not prop.get("description"):
            problems.append(f"{where}: no description")
        if not prop.get("examples"):
            problems.append(f"{where}: no examples")
        if "default" in prop and not validator.is_valid(prop["default"]):
            problems.append(f"{where}: default {prop['default']!r} does not match its schema")
        problems += [
            f"{where}: example {example!r} does not match its schema"
            for example in prop.get("examples", [])
            if not validator.is_valid(example)
        ]
    return problems


@pytest.mark.parametrize("name", [*SCHEMA_FILES.values(), ANY_KIND_FILE])
def test_every_property_is_documented_with_valid_default_and_examples(name: str) -> None:
    assert undocumented(_documents()[name]) == []


def test_the_check_finds_what_it_looks_for() -> None:
    schema: dict[str, Any] = {
        "$defs": {
            "Job": {"properties": {"window": {"type": "string", "default": 3600}}},
            "Plan": {
                "properties": {
                    "job": {"$ref": "#/$defs/Job", "description": "x", "examples": [{"a": 1}]}
                }
            },
        }
    }
    assert undocumented(schema) == [
        "#/$defs/Job/properties/window: no description",
        "#/$defs/Job/properties/window: no examples",
        "#/$defs/Job/properties/window: default 3600 does not match its schema",
    ]
    schema["$defs"]["Job"]["additionalProperties"] = False
    assert undocumented(schema)[-1] == (
        "#/$defs/Plan/properties/job: example {'a': 1} does not match its schema"
    )


@pytest.mark.parametrize("name", [*SCHEMA_FILES.values(), ANY_KIND_FILE])
def test_one_root_defs_and_every_ref_resolves(name: str) -> None:
    schema = _documents()[name]
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DIALECT and schema["$id"] == SCHEMA_BASE + name
    nodes = list(_walk(schema))
    assert [where for where, node in nodes if "$defs" in node] == ["#"]
    refs = {node["$ref"] for _, node in nodes if "$ref" in node}
    assert refs and all(ref.removeprefix("#/$defs/") in schema["$defs"] for ref in refs)


def test_any_policy_file_is_checked_against_the_schema_its_kind_names() -> None:
    schema = any_kind_schema(DEFAULT.kinds)
    chosen = {b["if"]["properties"]["kind"]["const"]: b["then"]["$ref"] for b in schema["allOf"]}
    assert chosen == {kind: f"#/$defs/{kind}" for kind in KINDS}
    assert schema["properties"]["kind"]["enum"] == KINDS
    for kind in KINDS:
        alone = kind_schema(DEFAULT.kinds, kind)
        assert schema["$defs"][kind]["properties"] == alone["properties"]
        assert schema["$defs"][kind]["required"] == alone["required"]


def _models(annotation: Any, seen: set[type[BaseModel]]) -> Iterator[type[BaseModel]]:
    """The models reachable from ``annotation`` (through unions, lists, dicts, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation not in seen:
            seen.add(annotation)
            yield annotation
            for field in annotation.model_fields.values():
                yield from _models(field.annotation, seen)
        return
    for arg in typing.get_args(annotation):
        yield from _models(arg, seen)


def test_defaults_are_written_as_in_a_policy_and_validated_when_their_form_differs() -> None:
    """A default the model would hold in another form ("1h" for 3600 seconds, a mapping for a
    block) must set ``validate_default=True``; any other default must already be valid."""
    seen: set[type[BaseModel]] = set()
    wrong = []
    for model in _models(typing.Union[tuple(DEFAULT.kinds.by_kind.values())], seen):  # noqa: UP007
        for name, field in model.model_fields.items():
            if field.is_required() or field.default_factory is not None or field.validate_default:
                continue
            annotation: Any = field.annotation
            if field.metadata:
                annotation = Annotated[(annotation, *field.metadata)]
            plain = not (isinstance(annotation, type) and issubclass(annotation, BaseModel))
            adapter: Any = TypeAdapter(annotation, config=MODEL_CONFIG if plain else None)
            try:
                unchanged = adapter.validate_python(field.default) == field.default
            except ValueError:
                unchanged = False
            if not unchanged:
                wrong.append(f"{model.__name__}.{name} = {field.default!r}")
    assert wrong == []


def _policy_files() -> list[Path]:
    return sorted((REPO / "policies").rglob("*.yaml"))


@pytest.mark.parametrize("path", _policy_files(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_example_policies_name_their_kind_schema_for_yaml_language_server(path: Path) -> None:
    first, *_ = path.read_text().splitlines()
    header = HEADER.match(first)
    assert header, f"{path.name} must start with '# yaml-language-server: $schema=...'"
    kind = re.search(r"^kind: (\S+)$", path.read_text(), re.MULTILINE)
    assert kind is not None
    schema = (path.parent / header.group(1)).resolve()
    assert schema == REPO / "schemas" / SCHEMA_FILES[kind.group(1)]
