"""The service policy: one file per protected application."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from compiler.model.acknowledge import Acknowledgement
from compiler.model.items import AppPath, Base, Exemption, SqliteDatabase, Volume
from compiler.model.targets import SecretKeys
from compiler.model.types import (
    Classification,
    DnsLabel,
    Duration,
    Line,
    NonEmpty,
    StorageKind,
)


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


class ServiceSpec(Base):
    """A service's data and how it runs; tools add their overrides (``litestream:``)."""

    classification: Classification = Field(
        description="How much the data matters; picks the class defaults of the cluster policy.",
        examples=["critical", "best-effort"],
    )
    owner: Line = Field(
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
