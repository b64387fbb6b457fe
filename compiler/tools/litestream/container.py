"""The Litestream containers' part of the policy format: resources and securityContext of the
sidecar and the restore init container (cluster default, class and service overrides)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from compiler.model.types import MODEL_CONFIG, Form

Quantity = Annotated[
    str,
    Field(pattern=r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$"),
    Form("Kubernetes quantity, e.g. 10m, 32Mi"),
]
Id = Annotated[int, Field(ge=0, le=2147483647)]


class Base(BaseModel):
    model_config = MODEL_CONFIG


class Quantities(Base):
    cpu: Quantity | None = Field(
        None, description="CPU, in cores or millicores (m). Absent: not set.", examples=["10m"]
    )
    memory: Quantity | None = Field(
        None,
        description="Memory, in bytes with a unit (Mi, Gi). Absent: not set.",
        examples=["32Mi", "128Mi"],
    )


class ContainerResources(Base):
    """Requests and limits of the Litestream sidecar and restore init container."""

    requests: Quantities = Field(
        {"cpu": "10m", "memory": "32Mi"},
        validate_default=True,
        description="What the scheduler reserves for each container. Absent: 10m CPU, 32Mi memory.",
        examples=[{"cpu": "10m", "memory": "32Mi"}],
    )
    limits: Quantities = Field(
        {"memory": "128Mi"},
        validate_default=True,
        description="The most each container may use. Absent: 128Mi memory, no CPU limit.",
        examples=[{"memory": "128Mi"}],
    )


class SecurityContext(Base):
    """The securityContext of the Litestream sidecar and restore init container.

    Always ``allowPrivilegeEscalation: false``, and a read-only root file system unless
    the policy says otherwise: Litestream writes beside the database (its ``-litestream``
    folder, the restore's temporary file) and, for 0.3's replica validation, into the
    sidecar's ``/tmp``, an emptyDir. Capabilities are dropped only
    when the containers are known not to run as root: the upstream images run as root, and
    a root sidecar without CAP_DAC_OVERRIDE cannot write a database the app's own user
    owns, so replication would stop where it ran before.
    """

    run_as_non_root: bool | None = Field(
        None,
        description="The kubelet refuses to start the containers as root. The Litestream "
        "images run as root, so the pod's securityContext or runAsUser must name a non-root "
        "user that can write the database's folder (the app's user). With it (or a non-root "
        "runAsUser) every capability is dropped. Absent: the pod's setting.",
        examples=[True],
    )
    run_as_user: Id | None = Field(
        None,
        description="User ID the containers run as: the app's, so the sidecar can write the "
        "database, its WAL and its -litestream folder. Absent: the pod's.",
        examples=[1000],
    )
    run_as_group: Id | None = Field(
        None,
        description="Group ID the containers run as. Absent: the pod's.",
        examples=[1000],
    )
    read_only_root_filesystem: bool = Field(
        True,
        description="The containers' root file system is read-only (the config is a mounted "
        "file, the data on the database's volume, the sidecar's /tmp an emptyDir). Absent: true.",
        examples=[True],
    )

    @model_validator(mode="after")
    def _non_root(self) -> SecurityContext:
        if self.run_as_non_root and self.run_as_user == 0:
            raise ValueError("runAsUser 0 is root, which runAsNonRoot: true refuses")
        return self

    def emit(self) -> dict[str, object]:
        """The container's ``securityContext``, keys in the order Kubernetes documents."""
        found: dict[str, object] = {"allowPrivilegeEscalation": False}
        if self.run_as_non_root or self.run_as_user:
            found["capabilities"] = {"drop": ["ALL"]}
        found["readOnlyRootFilesystem"] = self.read_only_root_filesystem
        if self.run_as_group is not None:
            found["runAsGroup"] = self.run_as_group
        if self.run_as_non_root is not None:
            found["runAsNonRoot"] = self.run_as_non_root
        if self.run_as_user is not None:
            found["runAsUser"] = self.run_as_user
        return found
