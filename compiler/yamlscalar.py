"""One YAML scalar writer for every generated file: templates (``q``) and the Litestream config.

Strings are double-quoted JSON strings (JSON is YAML), so no value turns into structure, a
number, a boolean or null; the few characters JSON leaves raw but YAML folds or refuses are
escaped as well.
"""

from __future__ import annotations

import json
import re


class RenderError(RuntimeError):
    """A template asked for something it may not have (a bug, never bad input)."""


# JSON leaves these raw, but YAML folds (NEL), breaks on (LS, PS) or refuses (DEL, C1) them.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff]")


def quote(value: object) -> str:
    """A YAML scalar for ``value``: strings double-quoted (JSON is valid YAML), no nulls."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _YAML_UNSAFE.sub(
            lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False)
        )
    raise RenderError(f"refusing to render {type(value).__name__} {value!r} as a YAML scalar")
