"""Reading hand-written YAML the way the Go tools do, fast, with positions, never raising.

The user's tree holds what real repositories hold: custom tags (``!secret``, SOPS), anchors
defined twice, merge keys, documents that are not Kubernetes objects. Go's yaml.v3
(kustomize, Flux) accepts them, so this reader does too (the lenient mode of
:class:`compiler.core.yamlnodes.Converter`). A file that still cannot be read gives its
error and position instead of documents.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from msgspec import Struct, field

from compiler.core.rule import PathKey
from compiler.core.yamlnodes import Converter, Limits, YamlProblem, compose

# Manifests nest deeper than policies (Helm values); the node count still bounds aliases.
TREE_LIMITS = Limits(max_bytes=2 * 1024 * 1024, max_depth=200, max_nodes=500_000)


class YamlDocument(Struct, frozen=True):
    """One document: its data, where it starts and where its top-level keys are (1-based)."""

    data: Any
    line: int
    col: int
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: PathKey) -> tuple[int, int]:
        """Position of the deepest recorded key on ``path`` (the document start if none)."""
        probe = tuple(path)
        while probe:
            if probe in self.keys:
                return self.keys[probe]
            probe = probe[:-1]
        return self.line, self.col


class ParseError(Struct, frozen=True):
    message: str
    line: int
    col: int


Parsed = list[YamlDocument] | ParseError
"""A text's documents (empty ones dropped), or why it cannot be read."""
Parse = Callable[[str], Parsed]
"""What makes a text's documents: :func:`read_documents`, or a cache of its results."""


def read_documents(text: str, *, depth_keys: int = 2) -> Parsed:
    """The documents of ``text`` (empty ones dropped), or why it cannot be read."""
    try:
        nodes = compose(text, "1.1")
    except YamlProblem as problem:
        return ParseError(problem.message, *problem.at)
    documents = []
    for node in nodes:
        converter = Converter(strict=False, limits=TREE_LIMITS, key_depth=depth_keys)
        try:
            data = converter.convert(node)
        except (YamlProblem, RecursionError) as problem:
            at = problem.at if isinstance(problem, YamlProblem) else (node.start_mark.line + 1, 1)
            message = problem.message if isinstance(problem, YamlProblem) else "nested too deep"
            return ParseError(message, *at)
        if data is None:
            continue
        line, col = converter.values[()]
        documents.append(YamlDocument(data, line, col, converter.keys))
    return documents
