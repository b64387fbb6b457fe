"""Reading hand-written YAML the way the Go tools do, fast, with positions, never raising.

The user's tree holds what real repositories hold: custom tags (``!secret``, SOPS), anchors
defined twice, merge keys, documents that are not Kubernetes objects. Go's yaml.v3 (kustomize,
Flux) accepts them, so this reader does too: PyYAML's C parser composes the node graph,
and :func:`_data` turns it into plain data, unknown tags as their plain value, an alias as
the same (shared) object, a merge key as the merged mapping. A file that still cannot be
read gives its error and position instead of documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from compiler.core.rule import PathKey

MAX_DEPTH = 200
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
_CONSTRUCTOR = yaml.SafeLoader("")


@dataclass(frozen=True)
class YamlDocument:
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


@dataclass(frozen=True)
class ParseError:
    message: str
    line: int
    col: int


class _TooDeep(Exception):
    pass


class _RedefiningLoader(yaml.SafeLoader):
    """The Python composer, allowing an anchor to be defined again (yaml.v3 does)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.events.AliasEvent):
            return super().compose_node(parent, index)
        event = self.peek_event()  # type: ignore[no-untyped-call]
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self.anchors.pop(anchor, None)
        return super().compose_node(parent, index)


def _scalar(node: yaml.ScalarNode) -> Any:
    tag = node.tag
    try:
        if tag == _INT:
            return _CONSTRUCTOR.construct_yaml_int(node)
        if tag == _FLOAT:
            return _CONSTRUCTOR.construct_yaml_float(node)
        if tag == _BOOL:
            return _CONSTRUCTOR.construct_yaml_bool(node)
        if tag == _NULL:
            return None
    except (ValueError, yaml.YAMLError):
        pass
    return node.value  # strings, timestamps (kept as text) and unknown tags


class _Converter:
    """Node graph -> plain data; each node converted once, so aliases cannot explode."""

    def __init__(self, depth_keys: int) -> None:
        self.memo: dict[int, Any] = {}
        self.keys: dict[PathKey, tuple[int, int]] = {}
        self.depth_keys = depth_keys

    def data(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise _TooDeep
        known = self.memo.get(id(node))
        if known is not None or id(node) in self.memo:
            return known
        if isinstance(node, yaml.ScalarNode):
            value = _scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = []
            self.memo[id(node)] = value
            for index, item in enumerate(node.value):
                value.append(self.data(item, (*path, index), depth + 1))
        else:
            value = {}
            self.memo[id(node)] = value
            self._mapping(node, value, path, depth)
        self.memo[id(node)] = value
        return value

    def _mapping(self, node: yaml.Node, out: dict[Any, Any], path: PathKey, depth: int) -> None:
        own: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged = self.data(value_node, path, depth + 1)
                sources = merged if isinstance(merged, list) else [merged]
                for source in reversed(sources):
                    if isinstance(source, dict):
                        out.update(source)
            else:
                own.append((key_node, value_node))
        for key_node, value_node in own:
            key = self.data(key_node, path, depth + 1)
            if not isinstance(key, str | int | bool) and key is not None:
                key = str(key)
            if len(path) < self.depth_keys:
                mark = key_node.start_mark
                self.keys[(*path, str(key))] = (mark.line + 1, mark.column + 1)
            out[key] = self.data(value_node, (*path, str(key)), depth + 1)


def _compose(text: str) -> list[yaml.Node]:
    try:
        return list(yaml.compose_all(text, Loader=yaml.CSafeLoader))
    except yaml.composer.ComposerError as error:
        if "duplicate anchor" not in str(error):
            raise
        return list(yaml.compose_all(text, Loader=_RedefiningLoader))


def _error(error: Exception) -> ParseError:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    return ParseError(" ".join(str(problem).split()), line, col)


def read_documents(text: str, *, depth_keys: int = 2) -> list[YamlDocument] | ParseError:
    """The documents of ``text`` (empty ones dropped), or why it cannot be read."""
    try:
        nodes = _compose(text)
    except yaml.YAMLError as error:
        return _error(error)
    documents = []
    for node in nodes:
        converter = _Converter(depth_keys)
        try:
            data = converter.data(node, (), 0)
        except (_TooDeep, RecursionError):
            mark = node.start_mark
            return ParseError(f"nested deeper than {MAX_DEPTH} levels", mark.line + 1, 1)
        if data is None:
            continue
        mark = node.start_mark
        documents.append(YamlDocument(data, mark.line + 1, mark.column + 1, converter.keys))
    return documents
