"""The cluster policy: output, targets and per-classification defaults.

Only what every tool shares is declared here. Each backup tool adds its own settings (a
class's ``k8up:``, the cluster's ``litestream:``, a namespace under ``namespaces:``) as
slots of its package; :mod:`compiler.model.compose` builds the full models from them.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, Field

from compiler.core.fluxvar import flux_variable
from compiler.core.secrets import shown
from compiler.model.acknowledge import Acknowledgement
from compiler.model.images import Images
from compiler.model.targets import LonghornTarget, S3Target, Target, TargetType, VeleroTarget
from compiler.model.types import (
    API_VERSION,
    MODEL_CONFIG,
    Classification,
    DnsLabel,
    Duration,
    Form,
    Frequency,
)


class Base(BaseModel):
    model_config = MODEL_CONFIG


class Metadata(Base):
    name: DnsLabel = Field(
        description="Name of the policy repository or cluster; named in generated headers.",
        examples=["homelab"],
    )


class ClassDefaults(Base):
    """What a classification gets unless a service says otherwise (tools add their blocks)."""

    rpo: Duration = Field(
        description="Recovery point objective: the most data, as time, a service of this class "
        "may lose. Every data item needs a copy on a separate target at least this often.",
        examples=["1h", "24h", "7d"],
    )
    rto: Duration = Field(
        description="Recovery time objective: how long a restore may take; compared with the "
        "measured duration of the last passing restore test.",
        examples=["4h", "24h"],
    )
    restore_test: Frequency = Field(
        "yearly",
        description="How often services of this class must rehearse a restore. Absent: yearly.",
        examples=["quarterly", "half-yearly"],
    )
    methods: list[str] = Field(
        [],
        description="Backup tools that protect services of this class; each needs its block "
        "in the class (k8up:, longhorn:, ...). A tool with nothing to copy (K8up without a PVC) "
        "skips the service. Absent: none.",
        examples=[["longhorn", "k8up"]],
    )
    acknowledge: list[Acknowledgement] = Field(
        [],
        description="Problems accepted in the policy files of this class's services. Absent: none.",
        examples=[[{"id": "BP315", "reason": "caches only; rebuilt on start"}]],
    )


# The output root, relative to the folder that holds the policies and never leaving it:
# "." (a GitOps repository's root) or plain folder names, no "..", no absolute path.
OutputRoot = Annotated[
    str,
    Field(
        pattern=r"^(\.|[A-Za-z0-9_][A-Za-z0-9._-]{0,99}(/[A-Za-z0-9_][A-Za-z0-9._-]{0,99}){0,15})$"
    ),
    Form("the output folder relative to the policies' parent, e.g. out or '.'"),
]


def _not_applied_by_flux(value: str) -> str:
    if value == "kubernetes" or value.startswith("kubernetes/"):
        raise ValueError(
            f"{value} is under kubernetes/, where Flux would apply the drill manifests: "
            "use a folder outside it, e.g. restore-drills"
        )
    return value


# One-off manifests (restore drills, pre-upgrade backups), relative to the output root.
DrillsFolder = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}(/[A-Za-z0-9_][A-Za-z0-9._-]{0,99}){0,15}$"),
    Form("a folder relative to the output root, outside kubernetes/, e.g. restore-drills"),
    AfterValidator(_not_applied_by_flux),
]


# A shared folder the user names: below kubernetes/ (where stale generated files are found).
SharedFolderPath = Annotated[
    str,
    Field(pattern=r"^kubernetes(/[A-Za-z0-9_][A-Za-z0-9._-]{0,99}){1,15}$"),
    Form("a folder below kubernetes/, e.g. kubernetes/apps/storage/longhorn/app/backup-policy"),
]
# What the cluster's Flux sync applies, relative to the output root.
FluxEntry = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}(/[A-Za-z0-9_][A-Za-z0-9._-]{0,99}){0,15}$"),
    Form("a folder or file relative to the output root, e.g. kubernetes/flux"),
]


class Output(Base):
    root: OutputRoot = Field(
        "out",
        description="Folder the manifests are written to, relative to the folder holding the "
        "policies folder; a GitOps repository uses '.' so files land in kubernetes/apps/... "
        "Absent: out.",
        examples=["out", "."],
    )
    drills: DrillsFolder = Field(
        "restore-drills",
        description="Folder, relative to the output root, of one-off manifests applied by hand: "
        "`backup-policy drill` writes each run under <date>-<test id>/ and `velero pre-upgrade "
        "--write` its Backup under <date>-pre-<topic>/. Never under kubernetes/ (Flux would "
        "apply them); check does not compare it. Absent: restore-drills.",
        examples=["restore-drills", "ops/drills"],
    )
    shared: dict[DnsLabel, SharedFolderPath] = Field(
        {},
        description="Per tool (longhorn, velero, litestream, ...; dashboard for the Grafana "
        "dashboard), a folder Flux already applies where its shared objects go instead of "
        "their own folder; no ks.yaml is generated for it (rule BP411 checks the names, "
        "BP408 that Flux reaches it). Absent: each tool's own folder with a generated ks.yaml.",
        examples=[{"longhorn": "kubernetes/apps/storage/longhorn/app/backup-policy"}],
    )


class Flux(Base):
    substitution: bool = Field(
        True,
        description="true when Flux postBuild substitution runs on the generated files: every "
        "runtime ${VAR} is then written $${VAR} so Flux does not blank it. An app's backup "
        "folder follows the Flux Kustomizations the tree shows applying the app: where none "
        "has a postBuild variable, Flux substitutes nothing and ${VAR} is written as it is. "
        "Absent: true.",
        examples=[True, False],
    )
    entry: FluxEntry = Field(
        "kubernetes/flux",
        description="The folder (or file), relative to the output root, that the cluster's "
        "Flux sync applies (`flux bootstrap --path`): every generated shared folder must be "
        "reached from it through Flux Kustomizations (rule BP408). Absent: kubernetes/flux.",
        examples=["kubernetes/flux", "kubernetes/main/flux", "clusters/home"],
    )


# A folder under the output root: plain segments, no "..", no absolute path.
DocsFolder = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}(/[A-Za-z0-9_][A-Za-z0-9._-]{0,99}){0,15}$"),
    Form("a folder relative to the output root, e.g. docs or docs/backups"),
]
DocsUrl = Annotated[
    str,
    Field(pattern=r"^https?://[^\s#?]+$"),
    Form("an http:// or https:// URL without query or fragment"),
]


class Docs(Base):
    """The generated Markdown: backups.md, disaster-recovery.md and alerts.md."""

    folder: DocsFolder = Field(
        "docs",
        description="Folder of the generated docs, relative to the output root (written by "
        "compile and checked by check like the manifests). Absent: docs.",
        examples=["docs", "docs/backups"],
    )
    language: Literal["en", "de"] = Field(
        "en",
        description="Language of the docs' headings and labels (the values from the policies "
        "and the commands stay as written). Absent: en.",
        examples=["en", "de"],
    )
    url: DocsUrl | None = Field(
        None,
        description="Where the docs folder is published (e.g. the folder in the repository's "
        "web view): alert rules link their runbook_url there. Absent: the docs' path relative "
        "to the repository root.",
        examples=["https://github.com/me/home-ops/blob/main/docs"],
    )


_NOT_ZONES = ("posix/", "right/")  # other forms of the zones: available_timezones() skips them
# Files of a zoneinfo folder that are no IANA zone: posixrules, the host's own zone (Debian
# links localtime to /etc/localtime) and Factory; the tzdata Kubernetes embeds has none.
_NOT_ZONE_NAMES = frozenset({"posixrules", "localtime", "Factory"})


@cache
def _is_zone(value: str) -> bool:
    """Whether ``available_timezones()`` lists ``value``, asked of this one name: the list
    opens every file of the zoneinfo tree (12 to 25 ms of every validate here)."""
    if value in _NOT_ZONE_NAMES or value.startswith(_NOT_ZONES):
        return False
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _timezone(value: str) -> str:
    if not _is_zone(value):
        raise ValueError(f"{shown(value)} is not an IANA time zone, e.g. 'Europe/Zurich' or 'UTC'")
    return value


class Namespaces(Base):
    """Namespaces of the shared objects; each tool adds the one its objects go to."""


class ClusterSpec(Base):
    output: Output = Field(
        {},
        validate_default=True,
        description="Where the generated files go. Absent: the folder out.",
        examples=[{"root": "."}],
    )
    flux: Flux = Field(
        {},
        validate_default=True,
        description="How Flux applies the output. Absent: with postBuild substitution.",
        examples=[{"substitution": True}],
    )
    timezone: Annotated[str, AfterValidator(_timezone)] = Field(
        "UTC",
        description="IANA time zone of the schedules where the generated object supports one "
        "(the cleanup CronJob); K8up, Longhorn and Velero use their controller's (UTC). "
        "Absent: UTC.",
        examples=["Europe/Zurich", "UTC"],
    )
    namespaces: Namespaces = Field(
        {},
        validate_default=True,
        description="Namespaces of the shared objects, one per tool. Absent: each tool's usual.",
        examples=[{"longhorn": "longhorn-system"}],
    )
    docs: Docs = Field(
        {},
        validate_default=True,
        description="The generated docs: folder, language and published URL. Absent: English "
        "docs in the folder docs of the output root.",
        examples=[{"folder": "docs", "language": "de"}],
    )
    images: Images = Field(
        {},
        validate_default=True,
        description="Container images of the generated objects, by role: repository, tag and "
        "an optional digest (kept current by Renovate, see the README). Absent: pinned defaults.",
        examples=[{"litestream-0.5": {"repository": "litestream/litestream", "tag": "0.5.17"}}],
    )
    targets: dict[DnsLabel, Target] = Field(
        description="Named places copies go to; tools and databases refer to them by name.",
        examples=[{"nas": {"type": "longhorn-backup-target", "offsite": True}}],
    )
    classes: dict[Classification, ClassDefaults] = Field(
        description="Defaults per data classification (critical, important, best-effort); a "
        "service gets its class's RPO, RTO, methods and tool settings unless it overrides them.",
        examples=[{"best-effort": {"rpo": "7d", "rto": "7d"}}],
    )
    acknowledge: list[Acknowledgement] = Field(
        [],
        description="Problems accepted wherever they are reported (every policy file and the "
        "tree). Absent: none.",
        examples=[
            [{"id": "BP340", "reason": "check runs in an idle window", "until": "2026-12-31"}]
        ],
    )


class ClusterPolicy(Base):
    """``kind: ClusterPolicy``: one per policy repository."""

    api_version: Literal["backup-policy/v1alpha1"] = Field(
        alias="apiVersion",
        description="Version of the policy format.",
        examples=["backup-policy/v1alpha1"],
    )
    kind: Literal["ClusterPolicy"] = Field(
        description="The cluster-wide policy: exactly one per policy folder.",
        examples=["ClusterPolicy"],
    )
    metadata: Metadata = Field(description="Names the policy.", examples=[{"name": "homelab"}])
    spec: ClusterSpec = Field(
        description="Output, targets and the defaults of each classification.",
        examples=[
            {
                "targets": {"nas": {"type": "longhorn-backup-target"}},
                "classes": {"critical": {"rpo": "1h", "rto": "4h"}},
            }
        ],
    )


__all__ = [
    "API_VERSION",
    "ClusterPolicy",
    "LonghornTarget",
    "S3Target",
    "Target",
    "TargetType",
    "VeleroTarget",
]


def flux_variables(cluster: ClusterSpec) -> frozenset[str]:
    """The s3 targets' values that are one Flux variable (kept unescaped by the render)."""
    if not cluster.flux.substitution:
        return frozenset()
    keys = ("endpoint", "bucket", "region")
    values = (getattr(t, k, "") for t in cluster.targets.values() for k in keys)
    return frozenset(v for v in values if flux_variable(v) is not None)
