"""What one compile measured (the JSON line ``benchmarks.stages`` prints)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figures:
    """What one compile measured, per stage: wall and CPU seconds, the peak RSS (MiB) at its
    end and, when traced, the peak of its Python allocations (MiB). ``parse`` is the policy
    files parsed alone before the compile: the part of the load stage that is not models."""

    stages: dict[str, float]
    cpu: dict[str, float]
    rss: dict[str, float]
    traced: dict[str, float]
    written: int

    def seconds(self, stage: str, cpu: bool = False) -> float:
        return (self.cpu if cpu else self.stages)[stage]

    def compile(self, cpu: bool = False) -> float:
        """Start-up and every stage: what ``backup-policy compile`` takes as a process."""
        figures = self.cpu if cpu else self.stages
        return sum(seconds for stage, seconds in figures.items() if stage != "parse")
