"""The cluster policy: output, targets and per-classification defaults.

Only what every tool shares is declared here. Each backup tool adds its own settings (a
class's ``k8up:``, the cluster's ``litestream:``, a namespace under ``namespaces:``) as
slots of its package; :mod:`compiler.model.compose` builds the full models from them.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, Field

from compiler.core.secrets import shown
from compiler.model.acknowledge import Acknowledgement
from compiler.model.types import (
    API_VERSION,
    MODEL_CONFIG,
    Classification,
    DnsLabel,
    Duration,
    Frequency,
    NonEmpty,
)


class Base(BaseModel):
    model_config = MODEL_CONFIG


class Metadata(Base):
    name: DnsLabel


# The name of a key inside a Secret (what Kubernetes allows), never its value.
SecretDataKey = Annotated[
    str,
    Field(
        pattern=r"^[-._a-zA-Z0-9]{1,253}$",
        description="the name of a key in the Secret (letters, digits, '-', '_', '.')",
    ),
]


class SecretKeys(Base):
    """A Secret holding S3 credentials, and the names of the keys inside it."""

    name: DnsLabel
    access_key_id_key: SecretDataKey = "access-key-id"
    secret_access_key_key: SecretDataKey = "secret-access-key"


class SecretKeyRef(Base):
    """A Secret and the name of one key in it."""

    name: DnsLabel
    key: SecretDataKey


_REFUSED = "refused (rule BP365): credentials come from credentialsSecret, never from a policy"
_OFFSITE = (
    "true when copies there survive losing the cluster and its site (another building, a "
    "cloud provider); counted by explain and the 3-2-1 analysis"
)


class S3Target(Base):
    type: Literal["s3"]
    endpoint: Annotated[
        str,
        Field(
            pattern=r"^https?://[^\s]+$",
            description="an http:// or https:// URL, e.g. http://garage.storage.svc:3900",
        ),
    ]
    bucket: NonEmpty
    region: NonEmpty = "us-east-1"
    credentials_secret: SecretKeys
    repo_password_secret: SecretKeyRef | None = None
    offsite: Annotated[bool, Field(description=_OFFSITE)] = False
    # Accepted only to be refused by rule BP365 with a clear message: never inline credentials.
    access_key_id: Annotated[str | None, Field(description=_REFUSED)] = None
    secret_access_key: Annotated[str | None, Field(description=_REFUSED)] = None


class LonghornTarget(Base):
    type: Literal["longhorn-backup-target"]
    name: DnsLabel = "default"
    offsite: Annotated[bool, Field(description=_OFFSITE)] = False


class VeleroTarget(Base):
    type: Literal["velero-storage-location"]
    name: DnsLabel = "default"
    offsite: Annotated[bool, Field(description=_OFFSITE)] = False


Target = Annotated[S3Target | LonghornTarget | VeleroTarget, Field(discriminator="type")]
TargetType = Literal["s3", "longhorn-backup-target", "velero-storage-location"]


class ClassDefaults(Base):
    """What a classification gets unless a service says otherwise (tools add their blocks)."""

    rpo: Duration
    rto: Duration
    restore_test: Frequency = "yearly"
    methods: list[str] = []
    acknowledge: list[Acknowledgement] = []


# The output root, relative to the folder that holds the policies and never leaving it:
# "." (a GitOps repository's root) or plain folder names, no "..", no absolute path.
OutputRoot = Annotated[
    str,
    Field(
        pattern=r"^(\.|[A-Za-z0-9_][A-Za-z0-9._-]{0,99}(/[A-Za-z0-9_][A-Za-z0-9._-]{0,99}){0,15})$",
        description="the output folder relative to the policies' parent, e.g. out or '.'",
    ),
]


class Output(Base):
    root: OutputRoot = "out"


class Flux(Base):
    substitution: bool = True


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())  # scans the zoneinfo tree: once per process


def _timezone(value: str) -> str:
    if value not in _timezones():
        raise ValueError(f"{shown(value)} is not an IANA time zone, e.g. 'Europe/Zurich' or 'UTC'")
    return value


class Namespaces(Base):
    """Namespaces of the shared objects; each tool adds the one its objects go to."""


class ClusterSpec(Base):
    output: Output = Field(default_factory=lambda: Output.model_validate({}))
    flux: Flux = Field(default_factory=lambda: Flux.model_validate({}))
    timezone: Annotated[str, AfterValidator(_timezone)] = "UTC"
    namespaces: Namespaces = Field(default_factory=lambda: Namespaces.model_validate({}))
    targets: dict[DnsLabel, Target]
    classes: dict[Classification, ClassDefaults]
    acknowledge: list[Acknowledgement] = []


class ClusterPolicy(Base):
    """``kind: ClusterPolicy``: one per policy repository."""

    api_version: Literal["backup-policy/v1alpha1"] = Field(alias="apiVersion")
    kind: Literal["ClusterPolicy"]
    metadata: Metadata
    spec: ClusterSpec


__all__ = ["API_VERSION", "ClusterPolicy"]
