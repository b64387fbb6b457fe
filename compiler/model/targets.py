"""Where copies go: the cluster policy's named ``targets`` and the Secrets they reference."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from compiler.core.fluxvar import flux_variable
from compiler.model.types import MODEL_CONFIG, DnsLabel, Form


class Base(BaseModel):
    model_config = MODEL_CONFIG


# The name of a key inside a Secret (what Kubernetes allows), never its value.
SecretDataKey = Annotated[
    str,
    Field(pattern=r"^[-._a-zA-Z0-9]{1,253}$"),
    Form("the name of a key in the Secret (letters, digits, '-', '_', '.')"),
]


class SecretKeys(Base):
    """A Secret holding S3 credentials, and the names of the keys inside it."""

    name: DnsLabel = Field(
        description="Name of the Secret; it must exist in every namespace whose apps use the "
        "target (and in the Litestream cleanup namespace). Never generated.",
        examples=["garage-s3"],
    )
    access_key_id_key: SecretDataKey = Field(
        "access-key-id",
        description="Key in the Secret whose value is the S3 access key ID.",
        examples=["access-key-id", "AWS_ACCESS_KEY_ID"],
    )
    secret_access_key_key: SecretDataKey = Field(
        "secret-access-key",
        description="Key in the Secret whose value is the S3 secret access key.",
        examples=["secret-access-key", "AWS_SECRET_ACCESS_KEY"],
    )


class SecretKeyRef(Base):
    """A Secret and the name of one key in it."""

    name: DnsLabel = Field(
        description="Name of the Secret, in the app's namespace. Never generated.",
        examples=["k8up-repo"],
    )
    key: SecretDataKey = Field(
        description="Key in the Secret that holds the value.", examples=["password"]
    )


_REFUSED = (
    "Refused (rule BP365): credentials come from credentialsSecret, never from a policy. "
    "Accepted by the format only to be reported with a clear message."
)
_OFFSITE = (
    "true when copies there survive losing the cluster and its site (another building, a "
    "cloud provider); counted by explain and the 3-2-1 analysis. Absent: false."
)
_STORE_NAME = (
    "Name of the {what} object the tool writes to (in the tool's namespace). Absent: default."
)


def _one_variable(value: str) -> str:
    """A ``${`` only as exactly one Flux variable (other ``$`` are rule BP367's)."""
    if "${" in value and flux_variable(value) is None:
        raise ValueError("a Flux variable is the whole value: ${NAME} or ${NAME:=default}")
    return value


# A bucket or region: a literal, or exactly one Flux variable ${NAME} / ${NAME:=default}.
_Value = Annotated[
    str,
    Field(min_length=1),
    Form("a name, or a Flux variable ${NAME} or ${NAME:=default}"),
    AfterValidator(_one_variable),
]


class S3Target(Base):
    """An S3-compatible bucket (Garage, MinIO, SeaweedFS, AWS): K8up and Litestream write here."""

    type: Literal["s3"] = Field(description="An S3-compatible object store.", examples=["s3"])
    endpoint: Annotated[
        str,
        Field(pattern=r"^(https?://[^\s]+|\$\{[A-Za-z_][A-Za-z0-9_]*(:=https?://[^${}\s]+)?\})$"),
        Form("an http:// or https:// URL, or a Flux variable ${NAME} or ${NAME:=<URL>}"),
    ] = Field(
        description="URL of the S3 API, reachable from the app pods (http:// or https://); "
        "with spec.flux.substitution, also exactly one Flux variable ${NAME} or "
        "${NAME:=default} (the default a URL), substituted by Flux (rule BP305).",
        examples=["http://garage.storage.svc:3900", "https://s3.eu-central-1.amazonaws.com"],
    )
    bucket: _Value = Field(
        description="Bucket the copies are written to; each app gets its own prefix in it. "
        "Also a Flux variable ${NAME} or ${NAME:=default} (rule BP305).",
        examples=["k8up", "litestream"],
    )
    region: _Value = Field(
        "us-east-1",
        description="Region the store expects in signed requests (Garage: its configured "
        "s3_region); also a Flux variable like the bucket. Absent: us-east-1.",
        examples=["us-east-1", "garage"],
    )
    credentials_secret: SecretKeys = Field(
        description="The Secret holding the S3 access key pair; referenced, never generated.",
        examples=[{"name": "garage-s3"}],
    )
    repo_password_secret: SecretKeyRef | None = Field(
        None,
        description="The Secret key holding the restic repository password; required when K8up "
        "writes to this target (rule BP330). Absent: the target takes no restic copies.",
        examples=[{"name": "k8up-repo", "key": "password"}],
    )
    offsite: bool = Field(False, description=_OFFSITE, examples=[False, True])
    # Accepted only to be refused by rule BP365 with a clear message: never inline credentials.
    access_key_id: str | None = Field(None, description=_REFUSED, examples=[None])
    secret_access_key: str | None = Field(None, description=_REFUSED, examples=[None])


class LonghornTarget(Base):
    """A Longhorn backup target (NFS or S3, configured in Longhorn): Longhorn backups go here."""

    type: Literal["longhorn-backup-target"] = Field(
        description="A Longhorn BackupTarget.", examples=["longhorn-backup-target"]
    )
    name: DnsLabel = Field(
        "default", description=_STORE_NAME.format(what="BackupTarget"), examples=["default"]
    )
    offsite: bool = Field(False, description=_OFFSITE, examples=[True])


class VeleroTarget(Base):
    """A Velero BackupStorageLocation: Velero schedules write there."""

    type: Literal["velero-storage-location"] = Field(
        description="A Velero BackupStorageLocation.", examples=["velero-storage-location"]
    )
    name: DnsLabel = Field(
        "default",
        description=_STORE_NAME.format(what="BackupStorageLocation"),
        examples=["default"],
    )
    offsite: bool = Field(False, description=_OFFSITE, examples=[False])


Target = Annotated[S3Target | LonghornTarget | VeleroTarget, Field(discriminator="type")]
TargetType = Literal["s3", "longhorn-backup-target", "velero-storage-location"]
