"""JSON6902 ``add`` operations applied to a copy of an object: how an importer reads a
compiled tree's objects (the protection they have today is the patched one)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, cast


def json_patched(body: Mapping[str, Any], operations: object) -> Mapping[str, Any] | None:
    """``body`` as a generated JSON6902 patch leaves it: the ``add`` operations the compiler
    writes, applied to a copy (None when ``operations`` is not such a patch or one of them
    does not apply). An importer reads a compiled tree's objects this way: the protection
    they have today is the patched one."""
    if not isinstance(operations, list):
        return None
    patched: Any = copy.deepcopy(dict(body))
    for operation in operations:
        if not isinstance(operation, Mapping) or not _added(patched, operation):
            return None
    return cast(Mapping[str, Any], patched)


def _added(document: Any, operation: Mapping[str, Any]) -> bool:
    path = operation.get("path")
    if operation.get("op") != "add" or not isinstance(path, str) or not path.startswith("/"):
        return False
    *parents, last = [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]
    for token in parents:
        if isinstance(document, dict) and token in document:
            document = document[token]
        elif isinstance(document, list) and token.isdigit() and int(token) < len(document):
            document = document[int(token)]
        else:
            return False
    value = copy.deepcopy(operation.get("value"))
    if isinstance(document, dict):
        document[last] = value
    elif isinstance(document, list) and last == "-":
        document.append(value)
    elif isinstance(document, list) and last.isdigit() and int(last) <= len(document):
        document.insert(int(last), value)
    else:
        return False
    return True
