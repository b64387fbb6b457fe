"""Rules about Longhorn settings."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.core.diagnostics import Diagnostic
from compiler.rules import PolicyContext, policy_rule


@policy_rule(
    "BP311",
    "longhorn-storage",
    "error",
    passing="storage: longhorn\nmethods: [longhorn]",
    failing="storage: synology-csi\nmethods: [longhorn]",
)
def longhorn_storage(context: PolicyContext) -> Iterator[Diagnostic]:
    """Only ``storage: longhorn`` volumes can get Longhorn recurring jobs.

    Longhorn's RecurringJobs act on Longhorn volumes; labels on a PVC of another storage
    class do nothing, so the backups would silently not exist.
    """
    for source in context.analysis.policies.services:
        spec = source.policy.spec
        if spec.methods and "longhorn" in spec.methods and spec.storage != "longhorn":
            yield longhorn_storage.at(
                source.doc,
                ("spec", "methods", spec.methods.index("longhorn")),
                f"longhorn jobs need storage: longhorn, but storage is {spec.storage}",
                "remove longhorn from methods or fix storage",
            )


RULES = (longhorn_storage,)
