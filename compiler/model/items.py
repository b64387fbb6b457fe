"""What a service holds: its volumes, SQLite databases and the items it leaves out on
purpose, with the path forms they are written in."""

from __future__ import annotations

import posixpath
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from compiler.model.types import MODEL_CONFIG, DnsLabel, Form, Line, NonEmpty


class Base(BaseModel):
    model_config = MODEL_CONFIG


def _normal_path(value: str) -> str:
    """An absolute path written plainly: the tools compare paths as text."""
    if posixpath.normpath(value) != value or value.startswith("//"):
        normal = posixpath.normpath(value).replace("//", "/")
        raise ValueError(f"write the path in its plain form, {normal} ('..', '.' and '//' refused)")
    return value


AbsolutePath = Annotated[
    str,
    Field(pattern=r"^/[^\s]*$"),
    Form("an absolute path, e.g. /data/app.db"),
    AfterValidator(_normal_path),
]
# A key prefix inside a bucket: plain segments, none starting with "." (no "..").
ReplicaPath = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}(/[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}){0,15}$"),
    Form("a path inside the bucket without leading '/', e.g. linkding or apps/linkding/db"),
]
# Relative to the output root and never leaving it: no "..", no absolute path, plain segments.
AppPath = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}(/[A-Za-z0-9_][A-Za-z0-9._-]{0,99}){0,15}$"),
    Form("the app folder relative to the output root, e.g. kubernetes/apps/docs/wiki"),
]


def _relative_path(value: str) -> str:
    """A path inside a volume, written plainly: no '..', '.', '//' or leading '/'."""
    parts = value.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise ValueError("write the path relative to the volume, without '..', '.' or '//'")
    return value


RelativePath = Annotated[
    str,
    Field(pattern=r"^[^/\x00-\x1f][^\x00-\x1f]{0,254}$"),
    Form("a path relative to the volume, e.g. media/documents"),
    AfterValidator(_relative_path),
]


class RestoreCheck(Base):
    """What a restore drill checks on a restored copy of a volume (its smoke test)."""

    files: list[RelativePath] = Field(
        [],
        description="Files or folders that must exist in the restored copy, relative to the "
        "volume's root (its mountPath): the drill's smoke test fails without any of them. "
        "Absent: none; the copy must only not be empty.",
        examples=[["index/MAIN_1.toc", "documents/originals"]],
    )
    sqlite: Literal["integrity", "quick", "none"] = Field(
        "integrity",
        description="How the smoke test checks the SQLite databases (sqlite: entries) on the "
        "volume: integrity runs PRAGMA integrity_check, quick PRAGMA quick_check (faster, "
        "skips index checks), none skips them. Absent: integrity.",
        examples=["integrity", "quick"],
    )


class Volume(Base):
    """A pod volume holding data: a PersistentVolumeClaim or an emptyDir."""

    name: DnsLabel = Field(
        description="Name of the volume in the pod spec; sqlite entries refer to it.",
        examples=["data"],
    )
    claim: DnsLabel | None = Field(
        None,
        description="The PersistentVolumeClaim behind the volume: it gets the backup labels. "
        "Exactly one of claim and emptyDir.",
        examples=["paperless-data"],
    )
    empty_dir: bool = Field(
        False,
        description="true for an emptyDir volume (nothing to copy but its SQLite databases, "
        "restored on start). Exactly one of claim and emptyDir. Absent: false.",
        examples=[True],
    )
    mount_path: AbsolutePath | None = Field(
        None,
        description="Where the app container mounts the volume; required when an SQLite "
        "database lives on it (its path must be under it).",
        examples=["/data"],
    )
    restore_check: RestoreCheck = Field(
        {},
        validate_default=True,
        description="What `backup-policy drill` checks on a restored copy of the volume: files "
        "that must exist and how its SQLite databases are checked. Absent: the copy must not "
        "be empty and its databases must pass PRAGMA integrity_check.",
        examples=[{"files": ["documents/originals"], "sqlite": "integrity"}],
    )


class RowCheck(Base):
    """What a restored copy of a database must hold (the restore verification's check)."""

    query: NonEmpty = Field(
        description="An SQL query printing one integer, run with sqlite3 on the restored copy.",
        examples=["SELECT count(*) FROM documents"],
    )
    min_rows: Annotated[int, Field(ge=0)] = Field(
        1,
        description="The least the query must print, or the check fails. Absent: 1.",
        examples=[1, 100],
    )


class SqliteDatabase(Base):
    """An SQLite file replicated by a Litestream sidecar."""

    path: AbsolutePath = Field(
        description="Path of the database file inside the app container.",
        examples=["/data/db.sqlite3"],
    )
    volume: DnsLabel = Field(
        description="Name of the volume (under volumes:) that holds the file.", examples=["data"]
    )
    targets: list[NonEmpty] | None = Field(
        None,
        description="S3 targets to replicate to, replacing the cluster's litestream.targets "
        "for this database. Absent: the cluster's.",
        examples=[["minio-nas"]],
    )
    replica_path: ReplicaPath | None = Field(
        None,
        description="Prefix of the replica inside each target's bucket. Set it to the path the "
        "existing replica uses (a hand-written Litestream config, an earlier compile) so the "
        "restore finds it; a change of it is refused (rule BP373). Absent: "
        "<namespace>/<name>/<database file name>.",
        examples=["linkding", "productivity/paperless/db.sqlite3"],
    )
    row_check: RowCheck | None = Field(
        None,
        description="The query a restored copy must pass when its class verifies restores "
        "(litestream.verify), after PRAGMA integrity_check. Absent: the copy must hold at "
        "least one table (SELECT count(*) FROM sqlite_master >= 1).",
        examples=[{"query": "SELECT count(*) FROM documents", "minRows": 1}],
    )


class Exemption(Base):
    """A PVC or SQLite database of the app deliberately not backed up, and why."""

    claim: DnsLabel | None = Field(
        None,
        description="A PersistentVolumeClaim of the app's build (written in the tree or "
        "created by its chart) that is not backed up. Exactly one of claim and sqlite.",
        examples=["immich-ml-cache"],
    )
    sqlite: AbsolutePath | None = Field(
        None,
        description="An SQLite database the tree's own Litestream config replicates that no "
        "policy covers. Exactly one of claim and sqlite.",
        examples=["/cache/thumbnails.db"],
    )
    reason: Line = Field(
        description="Why losing it is acceptable: a cache, a search index, media that can be "
        "downloaded again. Shown by backup-policy coverage.",
        examples=["machine-learning model cache, downloaded again on start"],
    )
