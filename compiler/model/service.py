"""The service policy: one file per protected application."""

from __future__ import annotations

import posixpath
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from compiler.model.acknowledge import Acknowledgement
from compiler.model.targets import SecretKeys
from compiler.model.types import (
    MODEL_CONFIG,
    Classification,
    DnsLabel,
    Duration,
    Form,
    NonEmpty,
    StorageKind,
)


class Base(BaseModel):
    model_config = MODEL_CONFIG


class ServiceMetadata(Base):
    name: DnsLabel = Field(
        description="Name of the app; with the namespace, the app folder "
        "kubernetes/apps/<namespace>/<name> and the prefix of its backup objects.",
        examples=["paperless"],
    )
    namespace: DnsLabel = Field(
        description="Namespace the app runs in; its backup objects go there too.",
        examples=["productivity"],
    )


class RenderedWorkload(Base):
    """The Deployment/StatefulSet a HelmRelease's chart renders (the post-renderer's target)."""

    kind: Literal["Deployment", "StatefulSet"] = Field(
        "Deployment",
        description="Kind of the object the chart renders. Absent: Deployment.",
        examples=["StatefulSet"],
    )
    name: DnsLabel | None = Field(
        None,
        description="Name of the object the chart renders. Absent: the release's name.",
        examples=["paperless-main"],
    )


class Workload(Base):
    """The object that runs the app; HelmRelease means a Flux HelmRelease of any chart.

    For a HelmRelease, ``renders`` names the object the chart renders; by default a Deployment
    named like the release (bjw-s app-template with a single controller).
    ``existingPostRenderers: true`` says the HelmRelease already has ``spec.postRenderers``:
    the generated post-renderer is appended instead of creating the list.
    """

    kind: Literal["HelmRelease", "Deployment", "StatefulSet"] = Field(
        description="Kind of the object that runs the app; HelmRelease is a Flux HelmRelease "
        "(Litestream is then injected through its post-renderers).",
        examples=["HelmRelease", "Deployment"],
    )
    name: DnsLabel = Field(description="Name of that object.", examples=["paperless"])
    controller: DnsLabel | None = Field(
        None,
        description="For a bjw-s app-template release: the controller (key under "
        "controllers:) whose pods hold the data. Absent: the release's only controller.",
        examples=["main", "app"],
    )
    container: DnsLabel | None = Field(
        None,
        description="The app's container in the pod: checked against the chart and kept the "
        "default container of kubectl logs/exec once the Litestream sidecar is added. "
        "Absent: not pinned.",
        examples=["main"],
    )
    renders: RenderedWorkload | None = Field(
        None,
        description="For a HelmRelease of another chart: the Deployment/StatefulSet it renders. "
        "Absent: a Deployment named like the release.",
        examples=[{"kind": "StatefulSet", "name": "gitea"}],
    )
    existing_post_renderers: bool = Field(
        False,
        description="true when the HelmRelease already has spec.postRenderers: the generated "
        "one is appended instead of creating the list. Absent: false.",
        examples=[True],
    )


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
    reason: NonEmpty = Field(
        description="Why losing it is acceptable: a cache, a search index, media that can be "
        "downloaded again. Shown by backup-policy coverage.",
        examples=["machine-learning model cache, downloaded again on start"],
    )


class ServiceSpec(Base):
    """A service's data and how it runs; tools add their overrides (``litestream:``)."""

    classification: Classification = Field(
        description="How much the data matters; picks the class defaults of the cluster policy.",
        examples=["critical", "best-effort"],
    )
    owner: NonEmpty = Field(
        description="Who answers for the service's backups (a person or a role).",
        examples=["storage-lead"],
    )
    storage: StorageKind = Field(
        description="Where the volumes live; only longhorn volumes get Longhorn recurring jobs.",
        examples=["longhorn", "synology-csi"],
    )
    rpo: Duration | None = Field(
        None,
        description="Recovery point objective overriding the class's: the most data, as time, "
        "the service may lose. Absent: the class's.",
        examples=["1h"],
    )
    rto: Duration | None = Field(
        None,
        description="Recovery time objective overriding the class's. Absent: the class's.",
        examples=["4h"],
    )
    app_path: AppPath | None = Field(
        None,
        description="The app's folder relative to the output root, where the backup "
        "Component goes. Absent: kubernetes/apps/<namespace>/<name>.",
        examples=["kubernetes/apps/docs/wiki"],
    )
    methods: list[str] | None = Field(
        None,
        description="Backup tools for this service, replacing the class's list as written. "
        "Absent: the class's methods that have something to copy here.",
        examples=[["longhorn", "k8up", "velero"]],
    )
    workload: Workload = Field(
        description="The object that runs the app (where Litestream is injected).",
        examples=[{"kind": "HelmRelease", "name": "paperless", "controller": "main"}],
    )
    volumes: list[Volume] = Field(
        [],
        description="Pod volumes holding data: PVCs are backed up, emptyDirs only hold "
        "databases. Absent: none.",
        examples=[[{"name": "data", "claim": "paperless-data", "mountPath": "/data"}]],
    )
    sqlite: list[SqliteDatabase] = Field(
        [],
        description="SQLite databases replicated continuously by a Litestream sidecar. "
        "Absent: none.",
        examples=[[{"path": "/data/db.sqlite3", "volume": "data"}]],
    )
    exempt: list[Exemption] = Field(
        [],
        description="PVCs and SQLite databases of the app that are deliberately not backed up, "
        "each with its reason; every other PVC of the app's build must be under volumes "
        "(backup-policy coverage). Absent: none.",
        examples=[[{"claim": "immich-ml-cache", "reason": "model cache, downloaded again"}]],
    )
    credentials: dict[NonEmpty, SecretKeys] = Field(
        {},
        description="Per s3 target, the Secret holding this service's own S3 key pair, in "
        "the shape of the target's credentialsSecret: it replaces the target's for every "
        "object of the service that reads S3 credentials (Litestream, K8up, CloudNativePG). "
        "Referenced, never generated; a name that is not an s3 target is refused (rule "
        "BP304). The Litestream 0.3 cleanup CronJob keeps the target's. Absent: the targets'.",
        examples=[{"garage": {"name": "paperless-s3"}}],
    )
    restore_tests: list[NonEmpty] = Field(
        [],
        description="IDs of the restore tests (in the RestoreTestPlan) that cover this service. "
        "Absent: none.",
        examples=[["BT-LH-01", "BT-DR-01"]],
    )
    acknowledge: list[Acknowledgement] = Field(
        [],
        description="Problems accepted in this policy file. Absent: none.",
        examples=[[{"id": "BP315", "item": "/cache/db.sqlite3", "reason": "a cache"}]],
    )


class ServicePolicy(Base):
    """``kind: ServicePolicy``: how one app's data is protected."""

    api_version: Literal["backup-policy/v1alpha1"] = Field(
        alias="apiVersion",
        description="Version of the policy format.",
        examples=["backup-policy/v1alpha1"],
    )
    kind: Literal["ServicePolicy"] = Field(
        description="One service's policy: one file per app.", examples=["ServicePolicy"]
    )
    metadata: ServiceMetadata = Field(
        description="The app: its name and namespace.",
        examples=[{"name": "paperless", "namespace": "productivity"}],
    )
    spec: ServiceSpec = Field(
        description="The service's data, how it runs and how it is protected.",
        examples=[
            {
                "classification": "important",
                "owner": "apps-lead",
                "storage": "longhorn",
                "workload": {"kind": "Deployment", "name": "wiki"},
                "volumes": [{"name": "data", "claim": "wiki-data"}],
            }
        ],
    )

    @property
    def key(self) -> str:
        return f"{self.metadata.namespace}/{self.metadata.name}"
