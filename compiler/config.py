"""Options of one run, parsed by the CLI and passed to the library."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Literal

from msgspec import Struct, field

from compiler.core.paths import repository_root
from compiler.core.yamlnodes import Limits

OutputFormat = Literal["text", "json", "github", "sarif"]


class RunConfig(Struct, frozen=True, dict=True):
    """Where the policies are, where output goes, and how to report."""

    policies: Path = Path("policies")
    output: Path | None = None
    format: OutputFormat = "text"
    color: bool = False
    fix: bool = False
    verbose: bool = False
    quiet: bool = False
    strict: bool = False
    today: dt.date | None = None
    """The date acknowledgements and restore-test deadlines are judged on (--today)."""
    progress: Callable[[str], None] | None = None
    limits: Limits = field(default_factory=Limits)
    workers: int = 1
    """Processes that render and verify the files of a large tree (compiler.core.parallel);
    the CLI uses every processor it may run on, up to 4."""
    parse_cache_of: Path | None = None
    """Use the parse cache of this output root, and keep none of the run's own (``diff``
    compiles its base in a temporary folder: the work tree's cache holds most of its files,
    and a cache kept for a folder deleted after the run would be litter)."""

    @property
    def project_root(self) -> Path:
        """Paths in headers and diagnostics are relative to the policies' parent folder."""
        return self.policies.resolve().parent

    @property
    def date(self) -> dt.date:
        """``--today``, else the day of SOURCE_DATE_EPOCH (reproducible builds and docs),
        else today."""
        if self.today is not None:
            return self.today
        epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
        if epoch.isdigit():
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
        return dt.date.today()

    @cached_property
    def repository(self) -> Path:
        """Nothing is read or written outside it (the git top level, or project_root)."""
        return repository_root(self.policies)
