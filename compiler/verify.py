"""Stage 6, verify: every rendered file parses, holds mappings with kinds, and has no nulls."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from compiler.core.yamlread import YAMLDocumentError, load_documents
from compiler.diagnostics import Diagnostic


def _nulls(node: Any, path: str) -> Iterator[str]:
    if node is None:
        yield path or "(document)"
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _nulls(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _nulls(value, f"{path}[{index}]")


def verify_rendered(outputs: dict[str, str]) -> list[Diagnostic]:
    """Problems here are compiler bugs; they still surface as diagnostics, never tracebacks."""
    problems = []
    for path, text in sorted(outputs.items()):
        if not path.endswith((".yaml", ".yml")):
            continue
        try:
            documents = [d for d in load_documents(text) if d is not None]
        except YAMLDocumentError as error:
            problems.append(
                Diagnostic(path, 1, 1, "error", "BP490", f"generated YAML does not parse: {error}")
            )
            continue
        for document in documents:
            if isinstance(document, list):  # a JSON6902 patch: a list of operations
                if not all(isinstance(op, dict) and {"op", "path"} <= op.keys() for op in document):
                    problems.append(
                        Diagnostic(
                            path,
                            1,
                            1,
                            "error",
                            "BP490",
                            "generated JSON patch has an operation without op/path",
                        )
                    )
            elif not isinstance(document, dict) or "kind" not in document:
                problems.append(
                    Diagnostic(path, 1, 1, "error", "BP490", "generated document has no kind")
                )
            for where in _nulls(document, ""):
                problems.append(
                    Diagnostic(path, 1, 1, "error", "BP491", f"generated field {where} is null")
                )
    return problems
