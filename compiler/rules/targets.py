"""Rules about the storage targets the tools' settings name."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.core.diagnostics import Diagnostic
from compiler.core.fluxvar import flux_variable
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


@policy_rule(
    "BP304",
    "credentials-target",
    "error",
    passing="credentials: {garage: {name: paperless-s3}}  # garage: an s3 target",
    failing="credentials: {garag: {name: paperless-s3}}",
)
def credentials_target(context: PolicyContext) -> Iterator[Diagnostic]:
    """A service's ``credentials`` names an s3 target of ``spec.targets``.

    Only an s3 target reads S3 credentials; a name that is no target, or a target of
    another type, would leave the Secret unused while the service's objects keep the
    target's own credentials.
    """
    targets = context.analysis.policies.cluster.policy.spec.targets
    s3 = {name: t for name, t in targets.items() if t.type == "s3"}
    for source in context.analysis.policies.services:
        for name in source.policy.spec.credentials:
            if name in s3:
                continue
            kind = f"is {targets[name].type}, not s3" if name in targets else "is not defined"
            yield credentials_target.at(
                source.doc,
                ("spec", "credentials", name),
                f"credentials for target {name!r}: the target {kind}",
                did_you_mean(name, s3) or "name an s3 target of spec.targets",
                key=True,
            )


@policy_rule(
    "BP305",
    "target-variable",
    "error",
    passing="flux: {substitution: true}\ntargets: {garage: {endpoint: ${S3_ENDPOINT}, ...}}",
    failing="flux: {substitution: false}\ntargets: {garage: {endpoint: ${S3_ENDPOINT}, ...}}",
)
def target_variable(context: PolicyContext) -> Iterator[Diagnostic]:
    """A Flux variable in an s3 target's endpoint, bucket or region needs Flux substitution.

    With ``spec.flux.substitution: true`` the value is written as it is for Flux to replace
    (every other ``${`` of the output is escaped); without it nothing would replace it. A
    name the generated files use at run time (``BUCKET``, ``LITESTREAM_*``, ``AWS_*``...)
    would be substituted there too and is refused.
    """
    cluster = context.analysis.policies.cluster
    substitution = cluster.policy.spec.flux.substitution
    for name, target in cluster.policy.spec.targets.items():
        for key in ("endpoint", "bucket", "region"):
            variable = flux_variable(getattr(target, key, ""))
            if variable is None or (substitution and not variable.runtime_name):
                continue
            problem, hint = (
                (
                    f"${{{variable.name}}}: a name the generated files use at run time",
                    "rename the Flux variable",
                )
                if substitution
                else (
                    "a Flux variable, but spec.flux.substitution is false",
                    "set spec.flux.substitution: true, or write the value itself",
                )
            )
            path = ("spec", "targets", name, key)
            yield target_variable.at(cluster.doc, path, f"{key} {problem}", hint)


RULES = (unknown_target, target_type, credentials_target, target_variable)
