"""Stage 7, verify: every file a compile would write parses, holds objects with kinds, and has
no nulls (a rendered file equal to the tree's is not written, and not parsed again).

Problems here are compiler bugs; they still surface as diagnostics, never as tracebacks or
as files written.

The check walks each file's node graph (the C parser's) instead of loading it into Python
data, which takes twice as long. A file the walk does not vouch for (a key that is not a
plain string, a key twice, a merge key or an alias) is loaded and checked as data: that
path holds every rule, the walk only a fast common case.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from compiler.core.diagnostics import Diagnostic
from compiler.core.parallel import map_items
from compiler.core.rule import Rule
from compiler.core.yamlread import YAMLDocumentError, compose_documents, load_documents

BROKEN_OUTPUT = Rule(
    "BP490",
    "generated-yaml-broken",
    "error",
    "Every generated YAML file parses, and each document is an object with a kind or a "
    "JSON6902 patch.",
    "Reported only for a bug of the compiler: please report it with the policy.",
    stage="output",
)
NULL_OUTPUT = Rule(
    "BP491",
    "generated-null",
    "error",
    "No generated field is null.",
    "Kubernetes drops or rejects null fields in ways that differ between tools; reported only "
    "for a bug of the compiler.",
    stage="output",
)
RULES = (BROKEN_OUTPUT, NULL_OUTPUT)
_NULL = "tag:yaml.org,2002:null"
_STR = "tag:yaml.org,2002:str"
_NO_PATCH = "generated JSON patch has an operation without op/path"
_NO_KIND = "generated document has no kind"
_YAML = (".yaml", ".yml")


class _Unusual(Exception):
    """The node graph has something only loading it as data settles."""


def _nulls(node: Any, path: str) -> Iterator[str]:
    if node is None:
        yield path or "(document)"
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _nulls(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _nulls(value, f"{path}[{index}]")


def _shape(path: str, document: Any) -> Iterator[Diagnostic]:
    if isinstance(document, list):  # a JSON6902 patch: a list of operations
        if not all(isinstance(op, dict) and {"op", "path"} <= op.keys() for op in document):
            yield BROKEN_OUTPUT.diagnostic(path, 1, 1, _NO_PATCH)
    elif not isinstance(document, dict) or "kind" not in document:
        yield BROKEN_OUTPUT.diagnostic(path, 1, 1, _NO_KIND)


def _loaded(path: str, text: str) -> list[Diagnostic]:
    """The file loaded as data and checked: the reference for what the walk finds."""
    try:
        documents = [d for d in load_documents(text) if d is not None]
    except YAMLDocumentError as error:
        return [BROKEN_OUTPUT.diagnostic(path, 1, 1, f"generated YAML does not parse: {error}")]
    problems: list[Diagnostic] = []
    for document in documents:
        problems.extend(_shape(path, document))
        for where in _nulls(document, ""):
            problems.append(NULL_OUTPUT.diagnostic(path, 1, 1, f"generated field {where} is null"))
    return problems


def _keys(node: yaml.MappingNode) -> set[str]:
    """The keys of a mapping whose keys the walk has vouched for (plain, distinct strings)."""
    return {key.value for key, _ in node.value}


def _operation(node: yaml.Node) -> bool:
    return isinstance(node, yaml.MappingNode) and {"op", "path"} <= _keys(node)


def _path(parts: list[str | int]) -> str:
    """``spec.containers[0].env``: the keys and indexes from the document down."""
    text = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)
    return text.removeprefix(".") or "(document)"


def _walk(node: yaml.Node, parts: list[str | int], seen: set[int], nulls: list[str]) -> None:
    """Null values below ``node`` (at ``parts``) into ``nulls``; raises _Unusual where
    loading must judge. The path is spelled out only for a null: most nodes have none."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _NULL:
            nulls.append(_path(parts))
        return
    if id(node) in seen:  # an alias
        raise _Unusual
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            parts.append(index)
            _walk(item, parts, seen, nulls)
            parts.pop()
        return
    keys: set[str] = set()
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag != _STR or key.value in keys:
            raise _Unusual
        keys.add(key.value)
        parts.append(key.value)
        _walk(value, parts, seen, nulls)
        parts.pop()


def _document(path: str, node: yaml.Node) -> list[Diagnostic]:
    nulls: list[str] = []
    _walk(node, [], set(), nulls)
    problems = []
    if isinstance(node, yaml.SequenceNode):
        operations = node.value
        if not all(
            isinstance(op, yaml.MappingNode) and {"op", "path"} <= _keys(op) for op in operations
        ):
            problems.append(BROKEN_OUTPUT.diagnostic(path, 1, 1, _NO_PATCH))
    elif not isinstance(node, yaml.MappingNode) or "kind" not in _keys(node):
        problems.append(BROKEN_OUTPUT.diagnostic(path, 1, 1, _NO_KIND))
    nulled = [f"generated field {where} is null" for where in nulls]
    return problems + [NULL_OUTPUT.diagnostic(path, 1, 1, message) for message in nulled]


def _checked(path: str, text: str) -> list[Diagnostic]:
    try:
        documents = compose_documents(text)
        return [
            problem
            for node in documents
            if not (isinstance(node, yaml.ScalarNode) and node.tag == _NULL)
            for problem in _document(path, node)
        ]
    except (YAMLDocumentError, _Unusual):
        return _loaded(path, text)


def _checked_item(item: tuple[str, str]) -> list[Diagnostic]:
    return _checked(*item)


def verify_rendered(outputs: dict[str, str], workers: int = 1) -> list[Diagnostic]:
    """The problems of every YAML file of ``outputs``, by path (by up to ``workers``
    processes: the files are independent, and a large tree's take a second)."""
    files = [(path, text) for path, text in sorted(outputs.items()) if path.endswith(_YAML)]
    return [problem for found in map_items(_checked_item, files, workers) for problem in found]
