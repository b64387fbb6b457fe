"""Rules about the storage targets the tools' settings name."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.core.diagnostics import Diagnostic
from compiler.core.text import did_you_mean
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


RULES = (unknown_target, target_type)
