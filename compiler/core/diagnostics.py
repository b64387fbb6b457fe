"""The one problem type every stage reports, and the sink that collects them."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Literal

from msgspec import Struct, field

Level = Literal["error", "warning"]


class Diagnostic(Struct, frozen=True, order=True):
    """A problem at a 1-based line and column of a file.

    ``line``/``col`` are 0 when the problem has no position (e.g. a missing file).
    """

    file: str
    line: int
    col: int
    level: Level
    rule: str
    message: str
    hint: str = ""
    subjects: tuple[str, ...] = ()
    """The data items it is about (``pvc/data``, a claim, a volume name): what an
    acknowledgement's ``item`` is matched against. Not shown."""

    def render(self) -> str:
        """``path:line:col: level [ID] message`` plus an indented hint line."""
        text = f"{self.file}:{self.line}:{self.col}: {self.level} [{self.rule}] {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class Diagnostics(Struct, dict=True):
    """An ordered, de-duplicated collection of problems of one run."""

    items: list[Diagnostic] = field(default_factory=list)

    @cached_property
    def _seen(self) -> set[Diagnostic]:
        return set(self.items)

    def add(self, diagnostic: Diagnostic) -> None:
        if diagnostic not in self._seen:  # a set: a list scan is quadratic in the problems
            self._seen.add(diagnostic)
            self.items.append(diagnostic)

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        for diagnostic in diagnostics:
            self.add(diagnostic)

    @property
    def has_errors(self) -> bool:
        return any(d.level == "error" for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=lambda d: (d.file, d.line, d.col, d.rule, d.message))
