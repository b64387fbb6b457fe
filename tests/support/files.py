"""File helpers for tests: is a file on disk one the compiler generated?"""

from __future__ import annotations

from pathlib import Path

from compiler.core.generated import is_generated_text


def is_generated(path: Path) -> bool:
    try:
        return is_generated_text(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return False
