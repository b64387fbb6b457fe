"""Effective RPO per data item (each PVC, each SQLite database) from the tools' copies.

Each tool says which copies it makes of an item and how far apart they can be (the largest
gap between consecutive scheduled copies over a year of cron firings). A copy is local (a
snapshot on the volume itself) or on a separate target; the target's ``offsite`` flag says
whether it survives losing the site. Only copies on a separate target meet the RPO.

A file-level copy of a live database (restic of the PVC, a Longhorn snapshot of a volume
being written) is not a consistent copy of the database: it counts for the database's RPO
only when the database is quiesced for it (e.g. a K8up backup command that streams a
dump). Tools mark such copies with :func:`file_level`; the copy stays listed with why it
does not count.
"""

from __future__ import annotations

from typing import Literal

from msgspec import Struct
from msgspec.structs import replace

from compiler.analyse.effective import EffectiveService
from compiler.core.retention import Kept
from compiler.core.rule import PathKey
from compiler.model.cluster import ClusterSpec

ItemKind = Literal["pvc", "sqlite", "postgres"]
LIVE_DATABASES: frozenset[str] = frozenset({"sqlite", "postgres"})


class DataItem(Struct, frozen=True):
    """Something whose loss matters: ``claim`` is the PVC that holds it, if any."""

    kind: ItemKind
    key: str
    path: PathKey
    claim: str | None = None
    names: tuple[str, ...] = ()
    """Other names people use for it (the claim, the volume, the file path)."""


class Copy(Struct, frozen=True):
    """One way an item is copied: method, where to, how far apart copies can be."""

    method: str
    target: str
    separate: bool
    gap: int
    schedule: str
    offsite: bool = False
    consistent: bool = True
    """False for a file-level copy of a live database: it does not count for the RPO."""
    note: str = ""
    """Why the copy does not count, or how it is made consistent."""
    retention: tuple[Kept, ...] = ()
    """The rules that decide which of the method's copies are kept (compiler.core.retention:
    ``diff`` compares them rule by rule); empty when the tool has none."""
    tool: str = ""
    """The tool that makes it (its name; the analysis sets it)."""

    @property
    def counts(self) -> bool:
        """It meets the RPO: consistent and on a separate target."""
        return self.separate and self.consistent


class Routine(Struct, frozen=True):
    """A periodic job beyond the items' copies that keeps a service restorable: a check of
    its copies (restic check, a restore verification, a replica's validation) or a backup
    of its objects (Velero's Schedule of its namespace). ``diff`` compares them by name."""

    name: str
    gap: int
    """How far apart two runs can be (seconds): the worst gap of its cron, or its interval."""
    retention: tuple[Kept, ...] = ()
    """What it keeps of what it makes (a Velero Schedule's ``ttl``); empty for a check."""
    offsite: bool = False
    """Its copies are on an offsite target (a Velero Schedule's storage location)."""
    volumes: bool = False
    """It also snapshots the volumes' data (a Velero Schedule's ``snapshotVolumes``)."""
    checks: str | None = None
    """The tool whose copies it checks (it goes with them: no reason of its own); None for a
    routine that copies something of its own."""


class Coverage(Struct, frozen=True):
    """The copies of one data item and the RPO they achieve."""

    service: EffectiveService
    item: DataItem
    copies: tuple[Copy, ...]
    restored_by: frozenset[str] = frozenset()
    """The restore-test types whose drill restores one of its copies."""

    @property
    def effective_rpo(self) -> int | None:
        gaps = [c.gap for c in self.copies if c.counts]
        return min(gaps) if gaps else None

    @property
    def separate_targets(self) -> frozenset[str]:
        return frozenset(c.target for c in self.copies if c.counts)

    @property
    def offsite_targets(self) -> frozenset[str]:
        return frozenset(c.target for c in self.copies if c.counts and c.offsite)

    @property
    def three_two_one(self) -> str:
        """The 3-2-1 count: copies (the live data and each counting copy), separate
        targets, offsite targets."""
        counted = {(c.method, c.target) for c in self.copies if c.counts}
        targets = len(self.separate_targets)
        return (
            f"{1 + len(counted)} copies, {targets} separate target{'' if targets == 1 else 's'}, "
            f"{len(self.offsite_targets)} offsite"
        )

    @property
    def local_rpo(self) -> int | None:
        gaps = [c.gap for c in self.copies if not c.separate]
        return min(gaps) if gaps else None

    @property
    def met(self) -> bool:
        rpo = self.effective_rpo
        return rpo is not None and rpo <= self.service.rpo


def policy_items(service: EffectiveService) -> list[DataItem]:
    """The PVCs and SQLite databases the service policy declares."""
    spec = service.source.policy.spec
    claims = {v.name: v.claim for v in spec.volumes}
    items = [
        DataItem(
            "pvc",
            f"pvc/{volume.claim}",
            ("spec", "volumes", index),
            volume.claim,
            (volume.claim, volume.name),
        )
        for index, volume in enumerate(spec.volumes)
        if volume.claim
    ]
    items += [
        DataItem(
            "sqlite",
            f"sqlite:{db.path}",
            ("spec", "sqlite", index),
            claims.get(db.volume),
            (db.path,),
        )
        for index, db in enumerate(spec.sqlite)
    ]
    return items


def file_level(copy: Copy, item: DataItem, quiesced: str = "", remedy: str = "") -> Copy:
    """A copy of the files under ``item``: not consistent for a live database unless
    ``quiesced`` says how the database is made consistent for it; ``remedy`` says how the
    policy could make it so."""
    if item.kind not in LIVE_DATABASES:
        return copy
    if quiesced:
        return replace(copy, note=quiesced)
    why = (
        f"does not count: a file-level copy of a live {item.kind} database is not a consistent copy"
    )
    return replace(copy, consistent=False, note=f"{why} ({remedy})" if remedy else why)


def with_target_flags(copy: Copy, cluster: ClusterSpec) -> Copy:
    """A local copy is never offsite; a separate one is when its target says so."""
    target = cluster.targets.get(copy.target)
    return replace(copy, offsite=copy.separate and target is not None and target.offsite)
