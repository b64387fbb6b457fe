"""Stages 1+2 for a whole policy directory: every file loaded, validated and sorted by kind."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from compiler.core.diagnostics import Diagnostic
from compiler.core.paths import Resolve
from compiler.core.rule import PathKey, Rule
from compiler.core.secrets import credential_shaped, random_token, secret_like_key
from compiler.core.yamlnodes import Limits
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
CREDENTIALS = Rule(
    "BP365",
    "credential-in-policy",
    "error",
    "No credential appears in a policy: S3 keys come from the Secret credentialsSecret names.",
    "Refused wherever they stand, and never repeated (messages show ***): the inline "
    "accessKeyId/secretAccessKey fields, an access key or private key in any value, a URL "
    "with a user and password, and a long random token under a secret-like key (the name "
    "of a Secret or of a key in it is expected there).",
    passing="credentialsSecret: {name: garage-s3}",
    failing="endpoint: http://GK31c2f218a2e44f485b94239e:secret@garage:3900",
)
RULES = (POLICY_SET, CREDENTIALS)
_INLINE = {"accesskeyid", "secretaccesskey"}


_Found = tuple[PathKey, str, bool, str]


def _strings(node: Any, path: PathKey, key: str, secretish: bool) -> Iterator[_Found]:
    """Every string below ``node``: its path, the last key on the way, and whether a key
    on the way is secret-like (each key is looked at once, not once per string)."""
    if isinstance(node, dict):
        for raw, value in node.items():
            name = str(raw)
            below = secretish or secret_like_key(name)
            yield from _strings(value, (*path, name), name, below)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, (*path, index), key, secretish)
    elif isinstance(node, str):
        yield path, key, secretish, node


def credential_problems(doc: Document) -> list[Diagnostic]:
    """BP365 for every credential-shaped value of a loaded document (before its model)."""
    found = []
    for path, key, secretish, value in _strings(doc.data, (), "", False):
        inline = key.lower() in _INLINE
        if inline or credential_shaped(value) or (secretish and random_token(value)):
            where = ".".join(str(p) for p in path)
            found.append(
                CREDENTIALS.at(
                    doc,
                    path,
                    f"{where}: '***' looks like a credential; a policy never holds one",
                    "put it in the Secret named by credentialsSecret and remove it here",
                )
            )
    return found


class Source(Struct, frozen=True):
    """A validated policy of one kind with the document it came from."""

    doc: Document

    @property
    def file(self) -> str:
        return self.doc.file


class ClusterSource(Source, frozen=True):
    policy: ClusterPolicy


class ServiceSource(Source, frozen=True):
    policy: ServicePolicy


class PlanSource(Source, frozen=True):
    policy: RestoreTestPlan


class Policies(Struct, frozen=True):
    """Everything read from a policy directory, services sorted by namespace/name."""

    cluster: ClusterSource
    services: tuple[ServiceSource, ...]
    restore_plan: PlanSource | None = None
    documents: tuple[Document, ...] = field(default=())


def _display(path: Path, base: Path, resolve: Resolve = Path.resolve) -> str:
    """``path`` relative to ``base``; a link is shown where it is, not where it points."""
    try:
        return (resolve(path.parent) / path.name).relative_to(resolve(base)).as_posix()
    except ValueError:
        return path.as_posix()


def load_policies(
    root: Path,
    base: Path,
    kinds: Kinds,
    limits: Limits | None = None,
    repository: Path | None = None,
) -> tuple[Policies | None, list[Diagnostic]]:
    """Load ``root`` (a policy directory) against the composed ``kinds``; file names in
    diagnostics are relative to ``base``; nothing outside ``repository`` is read."""
    if not root.is_dir():
        shown = _display(root, base)
        return None, [
            UNREADABLE.diagnostic(shown, 1, 1, f"policy directory {shown!r} does not exist")
        ]
    problems: list[Diagnostic] = []
    built: list[Built] = []
    failed_cluster = False  # a ClusterPolicy that did not load is not a missing one
    # The folders, the base and the repository are resolved once for this load, not four
    # times per file (os.path.realpath stats every component: 0.1 s for 1,000 files).
    resolved = cache(Path.resolve)
    for path in iter_policy_files(root):
        shown = _display(path, base, resolved)
        doc, errors = load_file(path, shown, limits, repository, resolved)
        problems.extend(errors)
        problems.extend(credential_problems(doc) if doc is not None else ())
        result = None
        if doc is not None:
            result, errors = build(doc, kinds)
            problems.extend(errors)
        if result is not None:
            built.append(result)
        else:
            failed_cluster |= _may_be_cluster(doc)
    # A file that failed to load may be the ClusterPolicy, and it has been reported at its
    # own line: "none found" would be noise.
    policies, errors = _assemble(built, _display(root, base), report_missing=not failed_cluster)
    return (None if problems or policies is None else policies), problems + errors


def _may_be_cluster(doc: Document | None) -> bool:
    """Whether a document that failed to load could have been the ClusterPolicy."""
    if doc is None or not isinstance(doc.data, dict):
        return True
    return doc.data.get("kind") in (None, "ClusterPolicy")


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
                    1,
                    1,
                    "no ClusterPolicy found",
                    "add cluster.yaml with kind: ClusterPolicy",
                )
            )
        return None, problems
    services.sort(key=lambda s: (s.policy.key, s.file))
    return Policies(
        clusters[0], tuple(services), plans[0] if plans else None, tuple(b.doc for b in built)
    ), problems
