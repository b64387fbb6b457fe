"""The small subset of CEL that CRD ``x-kubernetes-validations`` rules mostly use.

JSON Schema validators ignore these rules, yet some carry facts the product relies on (a CSI
``VolumeSnapshot`` source names exactly one of ``persistentVolumeClaimName`` and
``volumeSnapshotContentName``; a Flux ``HelmRelease`` has ``chart`` or ``chartRef``). This
module evaluates rules built from ``self``, field selection, ``has()``, ``size()``, ``!``,
``&&``, ``||``, comparisons and string/int/bool literals. Anything else, and every transition
rule (one that mentions ``oldSelf``, checked by the API server only on update), is reported
as unsupported and skipped, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

__all__ = ["Check", "compile_rule"]

Check = Callable[[Any], bool | None]
"""Evaluates a rule against ``self``: True/False, or None when it cannot be decided."""

_Expr = Callable[[Any], Any]

_TOKEN = re.compile(
    r"\s*(\|\||&&|==|!=|>=|<=|[()!.<>]|'[^'\\]*'|\"[^\"\\]*\"|\d+|[A-Za-z_][A-Za-z0-9_]*)"
)
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: bool(a == b),
    "!=": lambda a, b: bool(a != b),
    "<": lambda a, b: bool(a < b),
    "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b),
    ">=": lambda a, b: bool(a >= b),
}
_ESCAPES = {"__dot__": ".", "__dash__": "-", "__slash__": "/", "__underscores__": "__"}
_RESERVED = re.compile(r"__([a-z]+)__")


class _Unsupported(Exception):
    """The rule uses CEL outside the supported subset."""


class _NoValue(Exception):
    """Evaluation touched a missing field or mixed types: the rule cannot be decided."""


@lru_cache(maxsize=1024)
def compile_rule(rule: str) -> Check | None:
    """A checker for ``rule``, or None if the rule is outside the subset (or a transition rule)."""
    try:
        expr = _Parser(rule).parse()
    except _Unsupported:
        return None

    def check(instance: Any) -> bool | None:
        try:
            result = expr(instance)
        except _NoValue:
            return None
        return result if isinstance(result, bool) else None

    return check


def _field_name(name: str) -> str:
    for escaped, plain in _ESCAPES.items():
        name = name.replace(escaped, plain)
    reserved = _RESERVED.fullmatch(name)
    return reserved.group(1) if reserved else name


def _select(value: Any, names: Sequence[str]) -> Any:
    for name in names:
        if not isinstance(value, Mapping) or value.get(name) is None:
            raise _NoValue
        value = value[name]
    return value


def _has(names: Sequence[str]) -> _Expr:
    def evaluate(instance: Any) -> bool:
        parent = _select(instance, names[:-1])
        if not isinstance(parent, Mapping):
            raise _NoValue
        return parent.get(names[-1]) is not None

    return evaluate


def _size(inner: _Expr) -> _Expr:
    def evaluate(instance: Any) -> int:
        value = inner(instance)
        if not isinstance(value, str | list | Mapping):
            raise _NoValue
        return len(value)

    return evaluate


def _not(inner: _Expr) -> _Expr:
    def evaluate(instance: Any) -> bool:
        value = inner(instance)
        if not isinstance(value, bool):
            raise _NoValue
        return not value

    return evaluate


def _logical(left: _Expr, right: _Expr, *, short: bool) -> _Expr:
    """CEL ``||`` (short=True) or ``&&`` (short=False): commutative over undecidable operands."""

    def evaluate(instance: Any) -> bool:
        outcomes: list[bool | None] = []
        for operand in (left, right):
            try:
                value = operand(instance)
            except _NoValue:
                value = None
            if isinstance(value, bool) and value == short:
                return value
            outcomes.append(value if isinstance(value, bool) else None)
        if None in outcomes:
            raise _NoValue
        return not short

    return evaluate


def _compare(left: _Expr, op: str, right: _Expr) -> _Expr:
    def evaluate(instance: Any) -> bool:
        a, b = left(instance), right(instance)
        if type(a) is not type(b):
            raise _NoValue
        return _COMPARISONS[op](a, b)

    return evaluate


def _const(value: Any) -> _Expr:
    return lambda _instance: value


class _Parser:
    """Recursive descent over the token list; raises _Unsupported on anything unknown."""

    def __init__(self, text: str) -> None:
        self.tokens: list[str] = []
        position = 0
        while position < len(text.rstrip()):
            match = _TOKEN.match(text, position)
            if match is None:
                raise _Unsupported(text[position:])
            self.tokens.append(match.group(1))
            position = match.end()
        self.position = 0

    def parse(self) -> _Expr:
        expr = self._or()
        if self.position != len(self.tokens):
            raise _Unsupported(self.tokens[self.position])
        return expr

    def _peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self, token: str) -> bool:
        if self._peek() == token:
            self.position += 1
            return True
        return False

    def _expect(self, token: str) -> None:
        if not self._take(token):
            raise _Unsupported(f"expected {token!r}")

    def _or(self) -> _Expr:
        expr = self._and()
        while self._take("||"):
            expr = _logical(expr, self._and(), short=True)
        return expr

    def _and(self) -> _Expr:
        expr = self._unary()
        while self._take("&&"):
            expr = _logical(expr, self._unary(), short=False)
        return expr

    def _unary(self) -> _Expr:
        if self._take("!"):
            return _not(self._unary())
        left = self._primary()
        op = self._peek()
        if op in _COMPARISONS:
            self.position += 1
            return _compare(left, op, self._primary())
        return left

    def _primary(self) -> _Expr:
        token = self._peek()
        if token is None:
            raise _Unsupported("unexpected end")
        self.position += 1
        if token == "(":
            expr = self._or()
            self._expect(")")
            return expr
        if token in ("has", "size"):
            self._expect("(")
            if token == "has":
                if not self._take("self"):
                    raise _Unsupported("has() of something other than self")
                names = self._selection()
                if not names:
                    raise _Unsupported("has(self)")
                expr = _has(names)
            else:
                expr = _size(self._primary())
            self._expect(")")
            return expr
        if token == "self":
            names = self._selection()
            return lambda instance: _select(instance, names)
        if token in ("true", "false"):
            return _const(token == "true")
        if token.isdigit():
            return _const(int(token))
        if token[0] in "'\"":
            return _const(token[1:-1])
        raise _Unsupported(token)

    def _selection(self) -> list[str]:
        names: list[str] = []
        while self._take("."):
            name = self._peek()
            if name is None or not (name[0].isalpha() or name[0] == "_"):
                raise _Unsupported("field name expected")
            self.position += 1
            names.append(_field_name(name))
        return names
