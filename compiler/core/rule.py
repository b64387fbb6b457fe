"""What every diagnostic ID is: a rule with a name, a default level and its documentation.

Each ID is declared exactly once, as a :class:`Rule` value, in the module that reports it;
``compiler/registry.py`` lists every rule explicitly (like yamllint's ``_RULES``), and
``backup-policy rules`` and ``docs/rules.md`` are made from that list. A rule makes its own
diagnostics (:meth:`Rule.at`, :meth:`Rule.diagnostic`), so an ID is never written twice.
"""

from __future__ import annotations

import inspect
from typing import Protocol

from msgspec import Struct

from compiler.core.diagnostics import Diagnostic, Level

PathKey = tuple[str | int, ...]


class Locator(Protocol):
    """A loaded file that can say where a path of its data is (1-based line and column)."""

    @property
    def file(self) -> str: ...

    def locate(self, path: PathKey, *, key: bool = False) -> tuple[int, int]: ...


class Rule(Struct, frozen=True):
    """A diagnostic ID: ``summary`` is one line, ``doc`` the rest; examples are YAML text.
    ``stage`` says where it is checked: reading ``input``, ``policy`` rules, ``tree`` rules
    (they also read the output repository) or the ``output`` (a compiler bug)."""

    id: str
    name: str
    level: Level
    summary: str
    doc: str = ""
    passing: str = ""
    failing: str = ""
    stage: str = "input"
    acknowledgeable: bool = True
    """False for a problem no acknowledgement may accept (a restore that cannot work)."""

    def diagnostic(
        self,
        file: str,
        line: int,
        col: int,
        message: str,
        hint: str = "",
        *,
        level: Level | None = None,
        subjects: tuple[str, ...] = (),
    ) -> Diagnostic:
        """A problem at a 1-based position (1, 1 for a whole file or folder)."""
        return Diagnostic(file, line, col, level or self.level, self.id, message, hint, subjects)

    def at(
        self,
        where: Locator,
        path: PathKey,
        message: str,
        hint: str = "",
        *,
        key: bool = False,
        level: Level | None = None,
        subjects: tuple[str, ...] = (),
    ) -> Diagnostic:
        """A problem at ``path`` of a loaded file (its key with ``key=True``, else its value)."""
        line, col = where.locate(path, key=key)
        return self.diagnostic(where.file, line, col, message, hint, level=level, subjects=subjects)


def docstring_parts(obj: object) -> tuple[str, str]:
    """(first paragraph on one line, the rest) of an object's docstring."""
    text = inspect.cleandoc(getattr(obj, "__doc__", None) or "")
    first, _, rest = text.partition("\n\n")
    return " ".join(first.split()), rest.strip()
