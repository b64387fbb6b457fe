"""Files that are text by nature (shell scripts), shipped in ``templates/``.

In a wheel the folder is packaged as ``compiler/templates`` (pyproject.toml); in a checkout
it is the repository's ``templates/``.
"""

from __future__ import annotations

import shlex
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2


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


def render_script(name: str, **values: Any) -> str:
    """``templates/<name>``, a Jinja2 template of a shell script, rendered with ``values``;
    the ``sh`` filter quotes a value as one shell word."""
    return _script_environment().get_template(name).render(**values)


@cache
def _script_environment() -> jinja2.Environment:
    """One environment per process (each template compiled once, or loaded compiled from
    the user's cache). jinja2 is imported here, not at the top: ``validate`` (the
    pre-commit fast path) never renders a script."""
    import jinja2

    from compiler.core.template_cache import bytecode_cache

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_root()),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=False,
        keep_trailing_newline=True,
        bytecode_cache=bytecode_cache(),
    )
    env.filters["sh"] = lambda value: shlex.quote(str(value))
    return env
