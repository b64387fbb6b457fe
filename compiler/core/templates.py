"""Files that are text by nature (shell scripts), shipped in ``templates/``.

In a wheel the folder is packaged as ``compiler/templates`` (pyproject.toml); in a checkout
it is the repository's ``templates/``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def templates_root() -> Path:
    """The templates folder: ``compiler/templates`` in a wheel, else the checkout's."""
    here = Path(__file__).resolve()
    packaged = here.parents[1] / "templates"
    return packaged if packaged.is_dir() else here.parents[2] / "templates"


@cache
def template_text(name: str) -> str:
    """The text of ``templates/<name>`` (``name`` uses '/' between folders)."""
    return (templates_root() / name).read_text(encoding="utf-8")
