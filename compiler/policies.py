"""Stages 1+2 for a whole policy directory: every file loaded, validated and sorted by kind."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

from compiler.core.diagnostics import Diagnostic
from compiler.core.rule import Rule
from compiler.load import UNREADABLE, Document, iter_policy_files, load_file
from compiler.model import ClusterPolicy, RestoreTestPlan, ServicePolicy
from compiler.model.build import Built, Kinds, build

POLICY_SET = Rule(
    "BP111",
    "policy-set",
    "error",
    "A policy directory holds exactly one ClusterPolicy and at most one RestoreTestPlan.",
    passing="policies/cluster.yaml, policies/restore-tests.yaml, policies/services/*.yaml",
    failing="policies/cluster.yaml and policies/cluster-old.yaml, both kind: ClusterPolicy",
)
RULES = (POLICY_SET,)


@dataclass(frozen=True)
class Source:
    """A validated policy of one kind with the document it came from."""

    doc: Document

    @property
    def file(self) -> str:
        return self.doc.file


@dataclass(frozen=True)
class ClusterSource(Source):
    policy: ClusterPolicy


@dataclass(frozen=True)
class ServiceSource(Source):
    policy: ServicePolicy


@dataclass(frozen=True)
class PlanSource(Source):
    policy: RestoreTestPlan


@dataclass(frozen=True)
class Policies:
    """Everything read from a policy directory, services sorted by namespace/name."""

    cluster: ClusterSource
    services: tuple[ServiceSource, ...]
    restore_plan: PlanSource | None = None
    documents: tuple[Document, ...] = field(default=())


def _display(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def load_policies(root: Path, base: Path, kinds: Kinds) -> tuple[Policies | None, list[Diagnostic]]:
    """Load ``root`` (a policy directory) against the composed ``kinds``; file names in
    diagnostics are relative to ``base``."""
    if not root.is_dir():
        shown = _display(root, base)
        return None, [
            UNREADABLE.diagnostic(shown, 0, 0, f"policy directory {shown!r} does not exist")
        ]
    problems: list[Diagnostic] = []
    built: list[Built] = []
    failed_cluster = False  # a ClusterPolicy that did not load is not a missing one
    for path in iter_policy_files(root):
        doc, errors = load_file(path, _display(path, base))
        problems.extend(errors)
        failed_cluster |= doc is None
        if doc is not None:
            result, errors = build(doc, kinds)
            problems.extend(errors)
            if result is not None:
                built.append(result)
            elif isinstance(doc.data, dict) and doc.data.get("kind") == "ClusterPolicy":
                failed_cluster = True
    # A ClusterPolicy that failed to load has been reported; "none found" would be noise.
    policies, errors = _assemble(built, _display(root, base), report_missing=not failed_cluster)
    return (None if problems or policies is None else policies), problems + errors


def _assemble(
    built: list[Built], root: str, *, report_missing: bool
) -> tuple[Policies | None, list[Diagnostic]]:
    clusters, plans, services = [], [], []
    for b in built:
        if isinstance(b.policy, ClusterPolicy):
            clusters.append(ClusterSource(b.doc, b.policy))
        elif isinstance(b.policy, RestoreTestPlan):
            plans.append(PlanSource(b.doc, b.policy))
        else:
            services.append(ServiceSource(b.doc, b.policy))
    problems = [
        POLICY_SET.at(
            extra.doc,
            ("kind",),
            f"a second {kind} (first in {first.file})",
            f"keep one {kind} per policy directory",
        )
        for kind, group in (("ClusterPolicy", clusters), ("RestoreTestPlan", plans))
        for first, extra in itertools.pairwise(group)
    ]
    if not clusters:
        if report_missing:
            problems.append(
                POLICY_SET.diagnostic(
                    root,
                    0,
                    0,
                    "no ClusterPolicy found",
                    "add cluster.yaml with kind: ClusterPolicy",
                )
            )
        return None, problems
    services.sort(key=lambda s: (s.policy.key, s.file))
    return Policies(
        clusters[0], tuple(services), plans[0] if plans else None, tuple(b.doc for b in built)
    ), problems
