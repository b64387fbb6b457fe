"""Small text helpers shared by the stages: suggestions and one-line printable names."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

_UNPRINTABLE = re.compile(r"[^\x20-\x7e]")


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``did you mean 'x'?`` for the closest choice, or an empty string."""
    matches = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"did you mean {matches[0]!r}?" if matches else ""


def printable(text: str, limit: int = 0) -> str:
    """``text`` on one printable ASCII line (others become ``?``), cut in the middle at
    ``limit`` characters: safe in a comment, a message or a header."""
    shown = _UNPRINTABLE.sub("?", text)
    if limit and len(shown) > limit:
        half = (limit - 3) // 2
        shown = f"{shown[:half]}...{shown[-half:]}"
    return shown
