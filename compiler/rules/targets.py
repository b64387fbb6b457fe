"""Rules about storage targets referenced from the cluster policy."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.diagnostics import Diagnostic
from compiler.model.build import did_you_mean
from compiler.model.cluster import S3Target
from compiler.rules import RuleContext, rule

_WANTED = {"k8up": "s3", "longhorn": "longhorn-backup-target", "velero": "velero-storage-location"}


def _target_refs(context: RuleContext) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
    """(path, target name, wanted type) for every target reference in the cluster policy."""
    spec = context.policies.cluster.policy.spec
    for name, defaults in spec.classes.items():
        for tool, wanted in _WANTED.items():
            settings = getattr(defaults, tool)
            if settings is not None:
                yield ("spec", "classes", name, tool, "target"), settings.target, wanted
    if spec.litestream is not None:
        for index, target in enumerate(spec.litestream.targets):
            yield ("spec", "litestream", "targets", index), target, "s3"


@rule("BP300", "unknown-target")
def unknown_target(context: RuleContext) -> Iterator[Diagnostic]:
    """A tool names a target that ``spec.targets`` does not define.

    Passing: ``targets: {garage: {type: s3, ...}}`` and ``k8up: {target: garage}``.
    Failing: ``k8up: {target: garag}``.
    """
    cluster = context.policies.cluster
    targets = cluster.policy.spec.targets
    for path, name, _ in _target_refs(context):
        if name not in targets:
            yield cluster.doc.diagnostic(
                path,
                "BP300",
                f"target {name!r} is not defined",
                did_you_mean(name, targets) or "define it under spec.targets",
            )


@rule("BP301", "target-type")
def target_type(context: RuleContext) -> Iterator[Diagnostic]:
    """A tool's target must be of the type the tool writes to.

    Passing: ``longhorn: {target: nas}`` with ``nas: {type: longhorn-backup-target}``.
    Failing: ``longhorn: {target: garage}`` with ``garage: {type: s3}``.
    """
    cluster = context.policies.cluster
    targets = cluster.policy.spec.targets
    for path, name, wanted in _target_refs(context):
        target = targets.get(name)
        if target is not None and target.type != wanted:
            tool = str(path[3]) if path[1] == "classes" else "litestream"
            yield cluster.doc.diagnostic(
                path,
                "BP301",
                f"{tool} needs a target of type {wanted}, but {name!r} is {target.type}",
                f"pick a target with type: {wanted}",
            )


@rule("BP330", "k8up-repository-password")
def k8up_repo_password(context: RuleContext) -> Iterator[Diagnostic]:
    """A restic repository needs a password Secret; K8up cannot back up without one.

    Passing: ``garage: {type: s3, ..., repoPasswordSecret: {name: k8up-repo, key: password}}``.
    Failing: a K8up class target without ``repoPasswordSecret``.
    """
    cluster = context.policies.cluster
    targets = cluster.policy.spec.targets
    for path, name, wanted in _target_refs(context):
        target = targets.get(name)
        if (
            wanted == "s3"
            and path[3] == "k8up"
            and isinstance(target, S3Target)
            and target.repo_password_secret is None
        ):
            yield cluster.doc.diagnostic(
                ("spec", "targets", name),
                "BP330",
                f"target {name!r} is used by K8up but has no repoPasswordSecret",
                "add repoPasswordSecret: {name: <secret>, key: <key>}",
                key=True,
            )
