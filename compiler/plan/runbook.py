"""Restore runbooks as values: what a tool gives the generated disaster-recovery page.

Each tool says, per service, how its copies are restored (:class:`RunbookStep`: a title and
the exact shell commands, comments starting with ``#``). The docs stage
(``compiler/plan/docs/``) orders the services by classification and writes each service's
steps under the tool's name; it never names a tool.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from msgspec import Struct

from compiler.analyse import EffectiveService

if TYPE_CHECKING:
    from compiler.plan.types import PlanContext


class RunbookStep(Struct, frozen=True):
    """One way to restore (part of) a service from one tool's copies.

    ``title`` says what is restored from where (``PVC paperless-data from restic``);
    ``commands`` are shell lines to run in order (``#`` lines explain the next one); ``item``
    is the data item key it restores (``pvc/paperless-data``), empty for the whole service.
    """

    title: str
    commands: tuple[str, ...]
    item: str = ""


class ToolDocs(Protocol):
    """What the docs ask of a backup tool."""

    @property
    def title(self) -> str:
        """The tool's name as people write it (``K8up``)."""
        ...

    def runbook(self, context: PlanContext, service: EffectiveService) -> Iterable[RunbookStep]:
        """How the tool's copies of ``service`` are restored (nothing: it has none)."""
        ...


def secret_value(namespace: str, secret: str, key: str) -> str:
    """A shell expression for one value of a Secret (decoded), for ``export X="$(...)"``."""
    path = "{.data." + key.replace(".", "\\.") + "}"
    return (
        f"$(kubectl -n {namespace} get secret {secret} -o jsonpath={shlex.quote(path)} | base64 -d)"
    )


def quoted(value: str) -> str:
    """A policy value as one shell word."""
    return shlex.quote(value)
