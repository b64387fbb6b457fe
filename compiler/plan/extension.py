"""Hook for tools that add resources and patches to an app's Component."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from compiler.plan import PlannedFile
from compiler.plan.objects import Patch

if TYPE_CHECKING:
    from compiler.analyse import Analysis
    from compiler.analyse.effective import EffectiveService


@dataclass(frozen=True)
class AppExtension:
    """Files to write into the Component folder and how the Component uses them."""

    files: tuple[PlannedFile, ...] = ()
    resources: tuple[str, ...] = ()
    patches: tuple[Patch, ...] = field(default=())


AppPlanner = Callable[["Analysis", "EffectiveService"], AppExtension | None]
