"""Turn jsonschema errors into (path, message) pairs with kubectl-like wording."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from jsonschema import ValidationError

__all__ = ["Found", "json_type", "problems_from_error", "render_path"]

Found = tuple[tuple[str | int, ...], str]
"""Path parts into the object, and the message."""

_MAX_MESSAGE = 300
_JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null"}
_PLAIN_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")


def problems_from_error(error: ValidationError, prefix: tuple[str, ...] = ()) -> Iterator[Found]:
    """(path parts, message) for one error: one pair per unknown or missing field."""
    path = (*prefix, *error.absolute_path)
    instance, keyword, schema = error.instance, error.validator, error.schema
    if (
        keyword == "additionalProperties"
        and isinstance(instance, dict)
        and isinstance(schema, dict)
    ):
        known = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        extras = [
            key
            for key in instance
            if key not in known and not any(re.search(p, str(key)) for p in patterns)
        ]
        for extra in extras:
            yield (*path, extra), f'unknown field "{extra}"'
        if extras:
            return
    required = error.validator_value
    if keyword == "required" and isinstance(instance, dict) and isinstance(required, list):
        for name in required:
            if name not in instance:
                yield (*path, name), "missing required field"
        return
    if keyword == "type":
        wanted = error.validator_value
        wanted = " or ".join(wanted) if isinstance(wanted, list) else wanted
        yield path, f"expected {wanted}, got {json_type(instance)}"
        return
    message = error.message
    if len(message) > _MAX_MESSAGE:
        message = message[: _MAX_MESSAGE - 3] + "..."
    yield path, message


def json_type(value: Any) -> str:
    """The JSON Schema type name of a loaded YAML/JSON value."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return _JSON_TYPES.get(type(value), type(value).__name__)


def render_path(parts: Iterable[str | int]) -> str:
    """``spec.template.spec.containers[0].image``; odd keys as ``labels["k8up.io/backup"]``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY.fullmatch(part):
            text += f".{part}" if text else part
        else:
            text += f"[{json.dumps(part)}]"
    return text
