"""Turn a loaded document into a policy model, or into positioned diagnostics."""

from __future__ import annotations

import types
import typing
from typing import Any, Union

from msgspec import Struct
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from compiler.core.diagnostics import Diagnostic
from compiler.core.rule import PathKey
from compiler.core.secrets import shown
from compiler.core.text import did_you_mean
from compiler.load import Document
from compiler.model.compose import PolicyModel
from compiler.model.errors import (
    HEADER,
    INVALID_VALUE,
    MISSING_KEY,
    NOT_A_CHOICE,
    UNKNOWN_KEY,
    WRONG_TYPE,
)
from compiler.model.types import API_VERSION, Form

Kinds = typing.Mapping[str, type[PolicyModel]]


_TYPE_NAMES = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "float_type": "a number",
    "date_type": "a date (YYYY-MM-DD)",
    "duration_type": "a duration string such as '1h'",
}
_UNQUOTE = {
    "int_type": "the number",
    "int_parsing": "the number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "float_type": "the number",
}
_DATE_ERRORS = {"date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"}
_YAML_TYPES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "a boolean",
    dict: "a mapping",
    list: "a list",
    type(None): "null",
}


class Built(Struct, frozen=True):
    """A validated policy and the document it came from (for positions)."""

    policy: PolicyModel
    doc: Document


def build(doc: Document, kinds: Kinds) -> tuple[Built | None, list[Diagnostic]]:
    """Validate ``doc`` against the model its ``kind`` names."""
    if not isinstance(doc.data, dict):
        got = _YAML_TYPES.get(type(doc.data), "a scalar")
        return None, [WRONG_TYPE.at(doc, (), "a policy must be a mapping, got " + got)]
    header = _check_header(doc, kinds)
    if header:
        return None, header
    model = kinds[doc.data["kind"]]
    try:
        policy = model.model_validate(doc.data)
    except ValidationError as error:
        return None, [_convert(doc, model, detail) for detail in error.errors()]
    return Built(policy, doc), []


def _check_header(doc: Document, kinds: Kinds) -> list[Diagnostic]:
    problems = []
    api = doc.data.get("apiVersion")
    if api != API_VERSION:
        what = "missing" if api is None else f"{shown(api)} is not supported"
        problems.append(
            HEADER.at(doc, ("apiVersion",), f"apiVersion {what}", f"use apiVersion: {API_VERSION}")
        )
    kind = doc.data.get("kind")
    if not isinstance(kind, str) or kind not in kinds:
        what = "missing" if kind is None else f"{shown(kind)} is unknown"
        hint = did_you_mean(str(kind), kinds) if kind else ""
        problems.append(
            HEADER.at(doc, ("kind",), f"kind {what}", hint or "use one of: " + ", ".join(kinds))
        )
    return problems


def _child(node: Any, part: str | int) -> tuple[bool, Any]:
    if isinstance(node, dict) and isinstance(part, str) and part in node:
        return True, node[part]
    if isinstance(node, list) and isinstance(part, int) and part < len(node):
        return True, node[part]
    return False, None


def _data_path(doc: Document, loc: tuple[str | int, ...]) -> tuple[PathKey, bool]:
    """Map pydantic's loc (which includes union tags) onto the data's path.

    Returns the path and whether the error is about a mapping key (``[key]``).
    """
    node: Any = doc.data
    path: list[str | int] = []
    for part in loc:
        if part == "[key]":
            return tuple(path), True
        found, child = _child(node, part)
        if found:
            node = child
            path.append(part)
        elif isinstance(node, dict | list):
            continue  # a union tag or member name, not a data step
        else:
            break
    return tuple(path), False


def _convert(doc: Document, model: type[BaseModel], detail: ErrorDetails) -> Diagnostic:
    loc = tuple(detail["loc"])
    kind = detail["type"]
    path, is_key = _data_path(doc, loc)
    dotted = ".".join(str(p) for p in path) or "document"
    if kind == "extra_forbidden":
        name = str(path[-1])
        allowed = _allowed_keys(model, path[:-1], doc)
        parent = ".".join(str(p) for p in path[:-1]) or "the top level"
        return UNKNOWN_KEY.at(
            doc,
            path,
            f"unknown key {name!r} in {parent}",
            did_you_mean(name, allowed) or "allowed keys: " + ", ".join(sorted(allowed)),
            key=True,
        )
    if kind in {"missing", "union_tag_not_found"}:
        missing = (
            str(loc[-1])
            if kind == "missing"
            else str(detail.get("ctx", {}).get("discriminator", "type")).strip("'")
        )
        where = ".".join(str(p) for p in path) or "the top level"
        return MISSING_KEY.at(
            doc,
            path,
            f"missing required key {missing!r} in {where}",
            f"add '{missing}:'",
            key=True,
        )
    if kind in _TYPE_NAMES:
        got = _YAML_TYPES.get(type(detail["input"]), "another type")
        hint = _quote_hint(detail["input"], kind)
        return WRONG_TYPE.at(doc, path, f"{dotted}: expected {_TYPE_NAMES[kind]}, got {got}", hint)
    if kind in _DATE_ERRORS:
        return INVALID_VALUE.at(
            doc,
            path,
            f"{dotted}: {shown(detail['input'])} is not a valid date",
            "write dates as YYYY-MM-DD",
        )
    if kind in {"literal_error", "union_tag_invalid", "enum"}:
        return _enum_error(doc, path, is_key, detail, dotted)
    if kind == "string_pattern_mismatch":
        described = _form(model, path, doc)
        pattern = str(detail.get("ctx", {}).get("pattern", ""))
        return INVALID_VALUE.at(
            doc,
            path,
            f"{dotted}: {shown(detail['input'])} is not in the expected form",
            f"expected {described}" if described else f"expected a match for {pattern}",
            key=is_key,
        )
    message = detail["msg"].removeprefix("Value error, ")
    return INVALID_VALUE.at(doc, path, f"{dotted}: {message}", "", key=is_key)


def _form(model: type[BaseModel], path: PathKey, doc: Document) -> str:
    """How the value at ``path`` is written (its type's :class:`Form`), if the type says."""
    if not path or not isinstance(path[-1], str):
        return ""
    node: Any = doc.data
    for step in path[:-1]:
        node = _child(node, step)[1]
    parent = _as_model(_annotation_at(model, path[:-1], doc), node)
    if parent is None:
        return ""
    for name, field in parent.model_fields.items():
        if (field.alias or name) == path[-1]:
            return _form_in(field.metadata) or _annotated_form(field.annotation)
    return ""


def _form_in(metadata: typing.Iterable[Any]) -> str:
    return next((meta.text for meta in metadata if isinstance(meta, Form)), "")


def _annotated_form(annotation: Any) -> str:
    """The :class:`Form` inside ``Annotated[str, ..., Form(...)] | None``."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _form_in(typing.get_args(annotation)[1:])
    if typing.get_origin(annotation) in (Union, types.UnionType):
        for member in typing.get_args(annotation):
            if found := _annotated_form(member):
                return found
    return ""


def _enum_error(
    doc: Document, path: PathKey, is_key: bool, detail: ErrorDetails, dotted: str
) -> Diagnostic:
    ctx = detail.get("ctx", {})
    expected_text = str(ctx.get("expected_tags") or ctx.get("expected") or "")
    choices = [c.strip().strip("'\"") for c in expected_text.replace(" or ", ",").split(",")]
    choices = [c for c in choices if c]
    value = path[-1] if is_key else detail["input"]
    if isinstance(value, dict):
        value = value.get("type", "")
        path = (*path, "type")
    if not isinstance(value, str) and expected_text.startswith(("'", '"')):
        return _not_text(doc, path, is_key, value, choices, dotted)
    got = str(value)
    hint = did_you_mean(got, choices) or "use one of: " + ", ".join(choices)
    message = f"{dotted}: {shown(got)} is not one of " + ", ".join(choices)
    return NOT_A_CHOICE.at(doc, path, message, hint, key=is_key)


def _not_text(
    doc: Document, path: PathKey, is_key: bool, value: object, choices: list[str], dotted: str
) -> Diagnostic:
    """A number (or boolean, or nothing) where one of the text choices is expected.

    Never read as the choice it looks like: unquoted, 0.50 and 0.5 are the same number,
    so the choice is written quoted.
    """
    listed = ", ".join(f'"{choice}"' for choice in choices)
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = f"{dotted}: YAML reads this as the number {value!r}"
        if repr(value) in choices:
            message = f'{number}; write it quoted: "{value!r}"'
            hint = "the choices are text; a number loses how it was written (0.50 reads as 0.5)"
        else:
            message = f"{number}, not one of {listed}"
            hint = "write one of them, quoted"
        return WRONG_TYPE.at(doc, path, message, hint, key=is_key)
    got = _YAML_TYPES.get(type(value), "another type")
    return WRONG_TYPE.at(doc, path, f"{dotted}: expected one of {listed}, got {got}", key=is_key)


def _quote_hint(value: object, kind: str) -> str:
    """How to write the value (never repeating it): quotes where text is expected, none
    where a number or a boolean is."""
    if isinstance(value, str) and kind in _UNQUOTE:
        return f"write {_UNQUOTE[kind]} without quotes"
    if not isinstance(value, int | float) or isinstance(value, bool):
        return ""
    if kind == "string_type":
        return "quote it if you meant it as text"
    if kind == "duration_type":
        return "add a unit: s, m, h, d or w, e.g. '24h'"
    return ""


def _annotation_at(model: type[BaseModel], path: PathKey, doc: Document) -> Any:
    """The annotation the model declares for the data at ``path``."""
    annotation: Any = model
    node: Any = doc.data
    for step in path:
        annotation = _step(annotation, step, node)
        node = _child(node, step)[1]
    return annotation


def _allowed_keys(model: type[BaseModel], path: PathKey, doc: Document) -> list[str]:
    """The YAML keys the model accepts at ``path`` (for did-you-mean)."""
    node = doc.data
    for step in path:
        node = _child(node, step)[1]
    cls = _as_model(_annotation_at(model, path, doc), node)
    if cls is None:
        return []
    return [f.alias or name for name, f in cls.model_fields.items()]


def _step(annotation: Any, step: str | int, node: Any) -> Any:
    cls = _as_model(annotation, node)
    if cls is not None and isinstance(step, str):
        for name, field in cls.model_fields.items():
            if (field.alias or name) == step:
                return field.annotation
        return None
    origin = typing.get_origin(_unwrap(annotation))
    args = typing.get_args(_unwrap(annotation))
    if origin is list and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _as_model(annotation: Any, node: Any) -> type[BaseModel] | None:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (Union, types.UnionType):
        members = [_as_model(a, node) for a in typing.get_args(annotation)]
        models = [m for m in members if m is not None]
        tag = node.get("type") if isinstance(node, dict) else None
        for candidate in models:
            field = candidate.model_fields.get("type")
            if field is not None and tag in typing.get_args(field.annotation):
                return candidate
        return models[0] if len(models) == 1 else None
    return None
