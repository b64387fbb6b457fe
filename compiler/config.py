"""Options of one run, parsed by the CLI and passed to the library."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

OutputFormat = Literal["text", "json", "github"]


@dataclass(frozen=True)
class RunConfig:
    """Where the policies are, where output goes, and how to report."""

    policies: Path = Path("policies")
    output: Path | None = None
    format: OutputFormat = "text"
    color: bool = False
    fix: bool = False
    verbose: bool = False
    progress: Callable[[str], None] | None = None

    @property
    def project_root(self) -> Path:
        """Paths in headers and diagnostics are relative to the policies' parent folder."""
        return self.policies.resolve().parent
