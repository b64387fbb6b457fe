"""Stage 7, verify: every rendered file parses, holds objects with kinds, and has no nulls.

Problems here are compiler bugs; they still surface as diagnostics, never as tracebacks or
as files written.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from compiler.core.diagnostics import Diagnostic
from compiler.core.rule import Rule
from compiler.core.yamlread import YAMLDocumentError, load_documents

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
            message = "generated JSON patch has an operation without op/path"
            yield BROKEN_OUTPUT.diagnostic(path, 1, 1, message)
    elif not isinstance(document, dict) or "kind" not in document:
        yield BROKEN_OUTPUT.diagnostic(path, 1, 1, "generated document has no kind")


def verify_rendered(outputs: dict[str, str]) -> list[Diagnostic]:
    problems = []
    for path, text in sorted(outputs.items()):
        if not path.endswith((".yaml", ".yml")):
            continue
        try:
            documents = [d for d in load_documents(text) if d is not None]
        except YAMLDocumentError as error:
            message = f"generated YAML does not parse: {error}"
            problems.append(BROKEN_OUTPUT.diagnostic(path, 1, 1, message))
            continue
        for document in documents:
            problems.extend(_shape(path, document))
            for where in _nulls(document, ""):
                problems.append(
                    NULL_OUTPUT.diagnostic(path, 1, 1, f"generated field {where} is null")
                )
    return problems
