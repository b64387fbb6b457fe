"""The service policy: one file per protected application."""

from __future__ import annotations

import posixpath
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from compiler.model.acknowledge import Acknowledgement
from compiler.model.types import (
    MODEL_CONFIG,
    Classification,
    DnsLabel,
    Duration,
    NonEmpty,
    StorageKind,
)


class Base(BaseModel):
    model_config = MODEL_CONFIG


class ServiceMetadata(Base):
    name: DnsLabel
    namespace: DnsLabel


class RenderedWorkload(Base):
    """The Deployment/StatefulSet a HelmRelease's chart renders (the post-renderer's target)."""

    kind: Literal["Deployment", "StatefulSet"] = "Deployment"
    name: DnsLabel | None = None


class Workload(Base):
    """The object that runs the app; HelmRelease means a Flux HelmRelease of any chart.

    For a HelmRelease, ``renders`` names the object the chart renders; by default a Deployment
    named like the release (bjw-s app-template with a single controller).
    ``existingPostRenderers: true`` says the HelmRelease already has ``spec.postRenderers``:
    the generated post-renderer is appended instead of creating the list.
    """

    kind: Literal["HelmRelease", "Deployment", "StatefulSet"]
    name: DnsLabel
    controller: DnsLabel | None = None
    container: DnsLabel | None = None
    renders: RenderedWorkload | None = None
    existing_post_renderers: bool = False


def _normal_path(value: str) -> str:
    """An absolute path written plainly: the tools compare paths as text."""
    if posixpath.normpath(value) != value or value.startswith("//"):
        normal = posixpath.normpath(value).replace("//", "/")
        raise ValueError(f"write the path in its plain form, {normal} ('..', '.' and '//' refused)")
    return value


AbsolutePath = Annotated[
    str,
    Field(pattern=r"^/[^\s]*$", description="an absolute path, e.g. /data/app.db"),
    AfterValidator(_normal_path),
]
# Relative to the output root and never leaving it: no "..", no absolute path, plain segments.
AppPath = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}(/[A-Za-z0-9_][A-Za-z0-9._-]{0,99}){0,15}$",
        description="the app folder relative to the output root, e.g. kubernetes/apps/docs/wiki",
    ),
]


class Volume(Base):
    """A pod volume holding data: a PersistentVolumeClaim or an emptyDir."""

    name: DnsLabel
    claim: DnsLabel | None = None
    empty_dir: bool = False
    mount_path: AbsolutePath | None = None


class SqliteDatabase(Base):
    """An SQLite file replicated by a Litestream sidecar."""

    path: AbsolutePath
    volume: DnsLabel
    targets: list[NonEmpty] | None = None


class ServiceSpec(Base):
    """A service's data and how it runs; tools add their overrides (``litestream:``)."""

    classification: Classification
    owner: NonEmpty
    storage: StorageKind
    rpo: Duration | None = None
    rto: Duration | None = None
    app_path: AppPath | None = None
    methods: list[str] | None = None
    workload: Workload
    volumes: list[Volume] = []
    sqlite: list[SqliteDatabase] = []
    restore_tests: list[NonEmpty] = []
    acknowledge: list[Acknowledgement] = []


class ServicePolicy(Base):
    """``kind: ServicePolicy``: how one app's data is protected."""

    api_version: Literal["backup-policy/v1alpha1"] = Field(alias="apiVersion")
    kind: Literal["ServicePolicy"]
    metadata: ServiceMetadata
    spec: ServiceSpec

    @property
    def key(self) -> str:
        return f"{self.metadata.namespace}/{self.metadata.name}"
