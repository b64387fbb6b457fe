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


def replace_once(path: Path, old: str, new: str) -> None:
    """``path`` with its one ``old`` made ``new`` (fails when ``old`` is not there once)."""
    text = path.read_text()
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new))


def substitute_in(app: Path, variable: str, value: str) -> None:
    """The example app's Flux Kustomization (``app/ks.yaml``, no postBuild yet) given
    ``postBuild.substitute: {variable: value}``."""
    flux = app / "ks.yaml"
    text = flux.read_text()
    assert "postBuild" not in text, flux
    flux.write_text(text + f"  postBuild:\n    substitute: {{{variable}: {value}}}\n")
