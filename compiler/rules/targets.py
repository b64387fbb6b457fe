"""Rules about the storage targets the tools' settings name."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.core.diagnostics import Diagnostic
from compiler.core.text import did_you_mean
from compiler.model.cluster import S3Target
from compiler.rules import PolicyContext, policy_rule


@policy_rule(
    "BP300",
    "unknown-target",
    "error",
    passing="targets: {garage: {type: s3, ...}}\nk8up: {target: garage}",
    failing="targets: {garage: {type: s3, ...}}\nk8up: {target: garag}",
)
def unknown_target(context: PolicyContext) -> Iterator[Diagnostic]:
    """A tool names a target that ``spec.targets`` does not define."""
    cluster = context.analysis.policies.cluster
    targets = cluster.policy.spec.targets
    for ref in context.analysis.target_refs:
        if ref.name not in targets:
            yield unknown_target.at(
                cluster.doc,
                ref.path,
                f"target {ref.name!r} is not defined",
                did_you_mean(ref.name, targets) or "define it under spec.targets",
            )


@policy_rule(
    "BP301",
    "target-type",
    "error",
    passing="nas: {type: longhorn-backup-target}\nlonghorn: {target: nas}",
    failing="garage: {type: s3, ...}\nlonghorn: {target: garage}",
)
def target_type(context: PolicyContext) -> Iterator[Diagnostic]:
    """A tool's target must be of the type the tool writes to."""
    cluster = context.analysis.policies.cluster
    targets = cluster.policy.spec.targets
    for ref in context.analysis.target_refs:
        target = targets.get(ref.name)
        if target is not None and target.type != ref.wanted:
            yield target_type.at(
                cluster.doc,
                ref.path,
                f"{ref.tool} needs a target of type {ref.wanted}, "
                f"but {ref.name!r} is {target.type}",
                f"pick a target with type: {ref.wanted}",
            )


@policy_rule(
    "BP365",
    "inline-credentials",
    "error",
    passing="credentialsSecret: {name: garage-s3}",
    failing="accessKeyId: GK31c2f218a2e44f485b94239e",
)
def inline_credentials(context: PolicyContext) -> Iterator[Diagnostic]:
    """S3 credentials never appear in a policy; they come from ``credentialsSecret``."""
    cluster = context.analysis.policies.cluster
    for name, target in cluster.policy.spec.targets.items():
        if not isinstance(target, S3Target):
            continue
        for key, value in (
            ("accessKeyId", target.access_key_id),
            ("secretAccessKey", target.secret_access_key),
        ):
            if value is not None:
                yield inline_credentials.at(
                    cluster.doc,
                    ("spec", "targets", name, key),
                    f"target {name!r} has an inline credential {key!r}",
                    "remove it; put the key pair in the Secret named by credentialsSecret",
                    key=True,
                )


RULES = (unknown_target, target_type, inline_credentials)
