"""The restore-test plan and its protocol log."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from compiler.model.types import (
    MODEL_CONFIG,
    Date,
    DnsLabel,
    Duration,
    Form,
    Frequency,
    Line,
)

TestType = Literal[
    "longhorn-snapshot",
    "k8up-restic",
    "velero-namespace",
    "litestream",
    "volsync",
    "cnpg",
    "full-dr",
]
Result = Literal["passed", "failed", "partial"]
# Any DNS-label-like ID (upper case allowed): BT-LH-01, restore-paperless, dr-2027.
TestId = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"),
    Form("letters, digits and '-', like BT-LH-01 or restore-paperless"),
]
ServiceKey = Annotated[
    str, Field(pattern=r"^[a-z0-9-]+/[a-z0-9-]+$"), Form("namespace/name, e.g. apps/web")
]


class Base(BaseModel):
    model_config = MODEL_CONFIG


class Scope(Base):
    services: list[ServiceKey] = Field(
        [],
        description="Services the test restores, as namespace/name of their policies. "
        "Absent: none.",
        examples=[["productivity/paperless", "automation/n8n"]],
    )
    namespaces: list[DnsLabel] = Field(
        [],
        description="Namespaces the test restores as a whole. Absent: none.",
        examples=[["media"]],
    )


class Run(Base):
    date: Date = Field(description="Day of the run, YYYY-MM-DD.", examples=["2026-10-06"])
    result: Result = Field(
        description="How it went; only a passed run counts as the test's last pass.",
        examples=["passed", "partial"],
    )
    owner: Line = Field(description="Who ran the test.", examples=["storage-lead"])
    duration: Duration | None = Field(
        None,
        description="Measured time from the start of the restore to a working service; the "
        "RTO evidence. Absent: not measured.",
        examples=["25m", "1h10m"],
    )
    follow_ups: list[Line] = Field(
        [],
        description="What the run showed needs doing. Absent: nothing.",
        examples=[["Document the restic password location in the runbook"]],
    )


class RestoreTest(Base):
    id: TestId = Field(
        description="Unique ID (letters, digits and -, up to 63); services list it under "
        "restoreTests.",
        examples=["BT-LH-01", "BT-DR-01"],
    )
    title: Line = Field(
        description="What the test restores and where to, in one line.",
        examples=["Restore a Longhorn volume from its latest backup into a new PVC"],
    )
    type: TestType = Field(
        description="What is restored, and how `backup-policy drill` rehearses it: "
        "longhorn-snapshot, a CSI snapshot of each PVC cloned into <namespace>-restore-test; "
        "k8up-restic, the K8up restic repository restored into fresh PVCs there; "
        "velero-namespace, the Velero namespace backup restored under a namespace mapping; "
        "litestream, the SQLite databases restored from their Litestream replicas into a "
        "Job's emptyDir and checked; volsync, each PVC's VolSync restic repository restored "
        "through a ReplicationDestination into a fresh PVC there; cnpg, each CloudNativePG "
        "cluster recovered from its barman-cloud object store as a new Cluster there and "
        "queried; full-dr, the ordered runbook of a cold start.",
        examples=["longhorn-snapshot", "litestream", "full-dr"],
    )
    scope: Scope = Field(
        description="The services and namespaces the test covers.",
        examples=[{"services": ["productivity/paperless"]}, {"namespaces": ["media"]}],
    )
    frequency: Frequency = Field(
        description="How often the test must pass: it is due again this long (plus the plan's "
        "grace period) after its last pass.",
        examples=["quarterly", "yearly"],
    )
    responsible: Line = Field(
        description="The role that schedules and runs the test.", examples=["storage-lead"]
    )
    protocol: list[Run] = Field(
        [],
        description="The log of runs, oldest first. Absent: never run.",
        examples=[[{"date": "2026-10-06", "result": "passed", "owner": "storage-lead"}]],
    )


DEFAULT_GRACE = "14d"


class PlanSpec(Base):
    grace_period: Duration = Field(
        DEFAULT_GRACE,
        validate_default=True,
        description="How late a test may be past its frequency before it is overdue. Absent: 14d.",
        examples=["14d", "30d"],
    )
    tests: list[RestoreTest] = Field(
        description="The restore tests the plan rehearses.",
        examples=[
            [
                {
                    "id": "BT-K8-01",
                    "title": "Restore the media PVCs from restic",
                    "type": "k8up-restic",
                    "scope": {"namespaces": ["media"]},
                    "frequency": "quarterly",
                    "responsible": "storage-lead",
                }
            ]
        ],
    )


class RestoreTestPlan(Base):
    """``kind: RestoreTestPlan``: which restores are rehearsed, how often, and how they went."""

    api_version: Literal["backup-policy/v1alpha1"] = Field(
        alias="apiVersion",
        description="Version of the policy format.",
        examples=["backup-policy/v1alpha1"],
    )
    kind: Literal["RestoreTestPlan"] = Field(
        description="The restore-test plan: at most one per policy folder.",
        examples=["RestoreTestPlan"],
    )
    metadata: dict[Literal["name"], DnsLabel] = Field(
        {"name": "restore-tests"},
        description="Names the plan. Absent: restore-tests.",
        examples=[{"name": "homelab"}],
    )
    spec: PlanSpec = Field(
        description="The tests and their protocol.",
        examples=[{"gracePeriod": "14d", "tests": []}],
    )
