"""A policy value that is one Flux post-build substitution variable (``${NAME}``,
``${NAME:=default}``): kept for Flux to substitute, never escaped like other ``${``.

Flux (fluxcd/pkg envsubst) replaces ``${NAME}`` with the Kustomization's
``postBuild.substitute`` value, ``${NAME:=default}`` with the default when it is unset or
empty, and an unset ``${NAME}`` with nothing. Generated scripts use some names at run time
(``${BUCKET}`` in the cleanup script, ``${S3_<TARGET>_ACCESS_KEY_ID}`` in litestream.yml):
a policy variable of such a name would be substituted there too, so they are refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from msgspec import Struct

VARIABLE = r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::=[^${}\s]+)?\}"
_WHOLE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::=([^${}\s]+))?\}$")
# Names the generated files read at run time (templates/ and litestream.yml's key pairs).
RUNTIME_NAMES = frozenset(
    {"BUCKET", "RCLONE_REMOTE", "RETENTION_SECONDS", "DECLARED_PATHS", "DRY_RUN", "HOME", "APP"}
)
_RUNTIME = re.compile(
    r"^(LITESTREAM_|RCLONE_|RESTIC_|AWS_|S3_.*_(ACCESS_KEY_ID|SECRET_ACCESS_KEY)$)"
)


class FluxVariable(Struct, frozen=True):
    name: str
    default: str | None

    @property
    def runtime_name(self) -> bool:
        """A name a generated file also uses at run time (refused)."""
        return self.name in RUNTIME_NAMES or _RUNTIME.match(self.name) is not None


def flux_variable(value: str) -> FluxVariable | None:
    """The variable ``value`` is exactly, else None."""
    found = _WHOLE.match(value)
    return FluxVariable(found.group(1), found.group(2)) if found else None


def unescape_kept(text: str, kept: Iterable[str]) -> str:
    """``text`` (Flux-escaped) with each kept variable written back for Flux to substitute."""
    for token in kept:
        text = text.replace("$" + token, token)
    return text
