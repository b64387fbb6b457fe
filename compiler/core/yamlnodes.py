"""YAML text to plain data with positions, fast and bounded: PyYAML's C parser composes the
node graph, :class:`Converter` turns it into dicts, lists and scalars.

Two readers share it: policy files (strict: an unknown tag or input over the limits is a
problem at its position) and the user's GitOps tree (lenient like Go's yaml.v3: custom tags
read as their plain value). A key twice in one mapping is a problem in both: yaml.v3, and so
kustomize and Flux, refuse it (``mapping key "x" already defined``). Either way an alias
is converted once and shared, the expanded size is counted, and nesting is bounded, so an
alias bomb or a 10,000-deep list stops at once with its position.
"""

from __future__ import annotations

import operator
import re
from typing import Any, Literal

import yaml
from msgspec import Struct, field

from compiler.core.rule import PathKey

Position = tuple[int, int]
Schema = Literal["1.1", "1.2"]
_MERGE = "tag:yaml.org,2002:merge"
_STR = "tag:yaml.org,2002:str"
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
)


class Limits(Struct, frozen=True):
    """Bounds on one YAML file (``--max-*`` options); generous for any real policy."""

    max_bytes: int = 1024 * 1024
    max_depth: int = 64
    max_nodes: int = 100_000


class YamlProblem(Exception):
    """Why a text cannot be read, where (1-based), and of which kind."""

    def __init__(self, kind: str, message: str, at: Position, hint: str = "") -> None:
        super().__init__(message)
        self.kind, self.message, self.at, self.hint = kind, message, at, hint


def _core_12_resolvers() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    """YAML 1.2 core schema (only true/false are booleans; 0o, 0x and decimal integers),
    plus the merge key ``<<`` that Kubernetes YAML keeps using."""
    rules = [
        ("merge", r"^(?:<<)$", "<"),
        ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
        ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
        (
            "float",
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
            "-+0123456789.",
        ),
        ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
        ("timestamp", r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[Tt ].*)?$", "0123456789"),
    ]
    table: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
    for name, pattern, firsts in rules:
        for first in firsts:
            key = first or None
            table.setdefault(key, []).append((f"tag:yaml.org,2002:{name}", re.compile(pattern)))
    return table


# Scalars whose implicit tag is remembered: short ones, which repeat across a tree (keys,
# names, small numbers); a long text (a script in a ConfigMap) is resolved each time.
_CACHED_SCALAR = 128


def cached_resolving(loader: type[Any]) -> type[Any]:
    """``loader`` with its implicit scalar tags remembered per value.

    The C parser calls the Python resolver for every scalar (half a million calls for a
    1,000-app tree); without path resolvers a scalar's tag depends only on its text and on
    whether it was plain or quoted, so each distinct one is resolved once per loader class.
    """
    assert not loader.yaml_path_resolvers  # a path resolver would make the tag depend on more
    tags: dict[tuple[str, bool, bool], str] = {}
    resolve = loader.resolve

    def cached(self: Any, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not yaml.ScalarNode or len(value) > _CACHED_SCALAR:
            return resolve(self, kind, value, implicit)
        key = (value, implicit[0], implicit[1])
        found = tags.get(key)
        if found is None:
            found = tags[key] = resolve(self, kind, value, implicit)
        return found

    # Without path resolvers a resolver's descend and ascend do nothing, yet the composer
    # calls both for every node: C callables taking the same arguments and doing nothing
    # save two Python calls per node (8% of composing a compiled tree).
    quiet = {"descend_resolver": operator.is_, "ascend_resolver": tuple}
    return type(loader.__name__, (loader,), {"resolve": cached, **quiet})


_Loader12 = cached_resolving(
    type("_Loader12", (yaml.CSafeLoader,), {"yaml_implicit_resolvers": _core_12_resolvers()})
)
_Loader11 = cached_resolving(yaml.CSafeLoader)


class _RedefiningLoader(yaml.SafeLoader):
    """The Python composer, allowing an anchor to be defined again (yaml.v3 does)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if not self.check_event(yaml.events.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            if getattr(event, "anchor", None) is not None:
                self.anchors.pop(event.anchor, None)
        return super().compose_node(parent, index)


def _mark(mark: Any) -> Position:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def syntax_problem(error: yaml.YAMLError, text: str) -> YamlProblem:
    """A parser error at its position; at the end of the file, where the construct opened."""
    problem = getattr(error, "problem_mark", None)
    context = getattr(error, "context_mark", None)
    detail = " ".join(str(getattr(error, "problem", None) or error).split())
    hint = ""
    mark = problem or context
    if context is not None and problem is not None and problem.line >= len(text.splitlines()):
        mark, hint = context, "this was opened here and never closed"
    return YamlProblem("syntax", detail, _mark(mark), hint)


def compose(text: str, schema: Schema) -> list[yaml.Node]:
    """The documents' node graphs (C parser); a syntax error raises YamlProblem."""
    loader = _Loader12 if schema == "1.2" else _Loader11
    try:
        try:
            return list(yaml.compose_all(text, Loader=loader))
        except yaml.composer.ComposerError as error:
            if schema == "1.2" or "duplicate anchor" not in str(error):
                raise
            return list(yaml.compose_all(text, Loader=_RedefiningLoader))
    except yaml.YAMLError as error:
        raise syntax_problem(error, text) from None


_INT = re.compile(r"^[-+]?[0-9]+$")


def _number(tag: str, value: str) -> Any:
    if tag.endswith(":int"):
        return int(value, 10) if _INT.fullmatch(value) else int(value, 0)
    lowered = value.lower().lstrip("+")
    if lowered in {".inf", "-.inf", ".nan"}:
        return float(lowered.replace(".", ""))
    return float(value)


class Converter(Struct):
    """One document's node graph to data, recording positions of keys and values."""

    strict: bool
    limits: Limits = field(default_factory=Limits)
    key_depth: int = 1_000
    keys: dict[PathKey, Position] = field(default_factory=dict)
    values: dict[PathKey, Position] = field(default_factory=dict)
    _memo: dict[int, Any] = field(default_factory=dict)
    _sizes: dict[int, int] = field(default_factory=dict)
    _count: int = 0

    def convert(self, node: yaml.Node) -> Any:
        self.values[()] = _mark(node.start_mark)
        return self._data(node, (), 0)

    def _counted(self, node: yaml.Node, size: int) -> None:
        self._count += size
        if self._count > self.limits.max_nodes:
            raise YamlProblem(
                "limit",
                f"the document expands to more than {self.limits.max_nodes} values "
                "(aliases included)",
                _mark(node.start_mark),
                "write the values out, or raise --max-nodes",
            )

    def _data(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        if depth > self.limits.max_depth:
            raise YamlProblem(
                "limit",
                f"nested deeper than {self.limits.max_depth} levels",
                _mark(node.start_mark),
                "flatten the structure, or raise --max-depth",
            )
        if type(node) is yaml.ScalarNode:
            # Most nodes. A scalar is its own size and its value immutable, so an alias to
            # one is simply read again: no memo, no size to remember.
            self._counted(node, 1)
            return self._scalar(node)
        if id(node) in self._memo:  # an alias: shared, counted with its whole size
            if id(node) not in self._sizes:  # still being converted: an alias inside it
                raise YamlProblem(
                    "limit",
                    "the value anchored here holds an alias to itself: it never ends",
                    _mark(node.start_mark),
                    "replace the alias inside it with the values it should stand for",
                )
            self._counted(node, self._sizes[id(node)])
            return self._memo[id(node)]
        before = self._count
        self._counted(node, 1)
        value = self._new(node, path, depth)
        self._sizes[id(node)] = self._count - before
        return value

    def _new(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value = self._scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            self._tag(node, "seq")
            value = []
            self._memo[id(node)] = value
            for index, item in enumerate(node.value):
                self.values[(*path, index)] = _mark(item.start_mark)
                value.append(self._data(item, (*path, index), depth + 1))
        else:
            self._tag(node, "map")
            value = {}
            self._memo[id(node)] = value
            self._mapping(node, value, path, depth)
        self._memo[id(node)] = value
        return value

    def _tag(self, node: yaml.Node, kind: str) -> None:
        if self.strict and node.tag not in _PLAIN_TAGS:
            raise YamlProblem(
                "tag",
                f"unknown YAML tag {node.tag!r}",
                _mark(node.start_mark),
                "remove the tag: policy values are plain YAML",
            )

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        tag = node.tag
        if tag == _STR:  # most scalars: a plain tag, kept as written
            return node.value
        self._tag(node, "scalar")
        if tag.endswith((":int", ":float")):
            try:
                return _number(tag, node.value)
            except ValueError:
                return node.value
        if tag.endswith(":bool"):
            return node.value.lower() in {"true", "yes", "on", "y"}
        if tag.endswith(":null"):
            return None
        return node.value  # strings, timestamps (kept as text) and, leniently, unknown tags

    def _merged(self, node: yaml.Node, path: PathKey, depth: int) -> dict[Any, Any]:
        merged = self._data(node, path, depth + 1)
        sources = merged if isinstance(merged, list) else [merged]
        out: dict[Any, Any] = {}
        for source in reversed(sources):
            if isinstance(source, dict):
                out.update(source)
        return out

    def _mapping(self, node: Any, out: dict[Any, Any], path: PathKey, depth: int) -> None:
        """Merged mappings first (``<<``), then the mapping's own keys, which win."""
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                out.update(self._merged(value_node, path, depth))
        own: dict[Any, Position] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                continue
            key = self._data(key_node, path, depth + 1)
            key = key if isinstance(key, str | int | bool) or key is None else str(key)
            at = _mark(key_node.start_mark)
            if key in own:
                raise YamlProblem(
                    "duplicate",
                    f"duplicate key {str(key)!r}",
                    at,
                    f"remove or rename one of the two {str(key)!r} keys "
                    f"(the first is on line {own[key][0]})",
                )
            own[key] = at
            child = (*path, str(key))
            if len(path) < self.key_depth:
                self.keys[child] = at
                self.values[child] = _mark(value_node.start_mark)
            out[key] = self._data(value_node, child, depth + 1)
