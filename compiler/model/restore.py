"""The restore-test plan and its protocol log."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from compiler.model.types import MODEL_CONFIG, Date, DnsLabel, Duration, Frequency, NonEmpty

TestType = Literal["longhorn-snapshot", "k8up-restic", "velero-namespace", "full-dr"]
Result = Literal["passed", "failed", "partial"]
TestId = Annotated[
    str, Field(pattern=r"^BT-[A-Z0-9]+-[0-9]{2,}$", description="an ID like BT-LH-01")
]


class Base(BaseModel):
    model_config = MODEL_CONFIG


class Scope(Base):
    services: list[
        Annotated[
            str,
            Field(pattern=r"^[a-z0-9-]+/[a-z0-9-]+$", description="namespace/name, e.g. apps/web"),
        ]
    ] = []
    namespaces: list[DnsLabel] = []


class Run(Base):
    date: Date
    result: Result
    owner: NonEmpty
    duration: Duration | None = None
    follow_ups: list[NonEmpty] = []


class RestoreTest(Base):
    id: TestId
    title: NonEmpty
    type: TestType
    scope: Scope
    frequency: Frequency
    responsible: NonEmpty
    protocol: list[Run] = []


class PlanSpec(Base):
    grace_period: Duration = 14 * 86400
    tests: list[RestoreTest]


class RestoreTestPlan(Base):
    """``kind: RestoreTestPlan``: which restores are rehearsed, how often, and how they went."""

    api_version: Literal["backup-policy/v1alpha1"] = Field(alias="apiVersion")
    kind: Literal["RestoreTestPlan"]
    metadata: dict[Literal["name"], DnsLabel] = {"name": "restore-tests"}
    spec: PlanSpec
