"""Effective RPO per data item (each PVC, each SQLite DB) from the resolved schedules.

A copy's gap is the largest interval between consecutive scheduled copies over a year of
cron firings. Local copies (Longhorn snapshots) are reported but only a copy on a separate
target can meet the declared RPO.
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler import cron
from compiler.analyse.effective import EffectiveService
from compiler.analyse.jobs import k8up_seed, longhorn_seed
from compiler.analyse.schedule import ScheduleBook
from compiler.model.cluster import ClusterSpec


@dataclass(frozen=True)
class Copy:
    """One way an item is copied: method, where to, how far apart copies can be."""

    method: str
    target: str
    separate: bool
    gap: int
    schedule: str


@dataclass(frozen=True)
class Coverage:
    """The copies of one data item and the RPO they achieve."""

    service: EffectiveService
    item: str
    path: tuple[str | int, ...]
    copies: tuple[Copy, ...]

    @property
    def effective_rpo(self) -> int | None:
        gaps = [c.gap for c in self.copies if c.separate]
        return min(gaps) if gaps else None

    @property
    def local_rpo(self) -> int | None:
        gaps = [c.gap for c in self.copies if not c.separate]
        return min(gaps) if gaps else None

    @property
    def met(self) -> bool:
        rpo = self.effective_rpo
        return rpo is not None and rpo <= self.service.rpo


def _volume_copies(service: EffectiveService, book: ScheduleBook) -> list[Copy]:
    copies = []
    classification = service.source.policy.spec.classification
    longhorn, k8up = service.defaults.longhorn, service.defaults.k8up
    if "longhorn" in service.methods and longhorn is not None:
        for task, job in (("snapshot", longhorn.snapshot), ("backup", longhorn.backup)):
            if job is not None:
                expr = book.cron_for(longhorn_seed(classification, task))
                copies.append(
                    Copy(
                        f"longhorn-{task}",
                        longhorn.target,
                        task == "backup",
                        cron.max_gap_seconds(expr),
                        expr,
                    )
                )
    if "k8up" in service.methods and k8up is not None:
        expr = book.cron_for(k8up_seed(service, "backup"))
        copies.append(Copy("k8up", k8up.target, True, cron.max_gap_seconds(expr), expr))
    return copies


def coverage(
    cluster: ClusterSpec, services: list[EffectiveService], book: ScheduleBook
) -> list[Coverage]:
    """Coverage of every PVC and every SQLite database of every service."""
    out = []
    for service in services:
        spec = service.source.policy.spec
        volume_copies = _volume_copies(service, book)
        claims = {v.name: v for v in spec.volumes}
        for index, volume in enumerate(spec.volumes):
            if volume.claim:
                out.append(
                    Coverage(
                        service,
                        f"pvc/{volume.claim}",
                        ("spec", "volumes", index),
                        tuple(volume_copies),
                    )
                )
        for index, db in enumerate(spec.sqlite):
            copies = []
            holder = claims.get(db.volume)
            if holder is not None and holder.claim:
                copies.extend(volume_copies)
            if cluster.litestream is not None:
                for target in db.targets or cluster.litestream.targets:
                    gap = cluster.litestream.sync_interval
                    copies.append(Copy("litestream", target, True, gap, "continuous"))
            out.append(
                Coverage(service, f"sqlite:{db.path}", ("spec", "sqlite", index), tuple(copies))
            )
    return out
