"""File helpers for tests: copies of the example, YAML read back, generated files told apart."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from compiler.core.generated import is_generated_text

REPO = Path(__file__).resolve().parents[2]


def copy_example(into: Path) -> Path:
    """The example's policies and output tree, copied into ``into`` (returned)."""
    shutil.copytree(REPO / "policies", into / "policies")
    shutil.copytree(REPO / "out", into / "out")
    return into


def load_all(text: str) -> list[Any]:
    """The documents of a YAML text (YAML 1.2, as written), empty ones dropped."""
    return [d for d in YAML(typ="safe", pure=True).load_all(text) if d is not None]


def is_generated(path: Path) -> bool:
    try:
        return is_generated_text(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return False
