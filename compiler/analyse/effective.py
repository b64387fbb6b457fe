"""What a service actually gets: its class defaults merged with its own overrides."""

from __future__ import annotations

from dataclasses import dataclass

from compiler.model.cluster import ClassDefaults, ClusterSpec
from compiler.model.types import Method
from compiler.policies import Policies, ServiceSource


@dataclass(frozen=True)
class EffectiveService:
    """A service with its class resolved: declared RPO/RTO and the methods that apply."""

    source: ServiceSource
    defaults: ClassDefaults
    rpo: int
    rto: int
    methods: tuple[Method, ...]

    @property
    def key(self) -> str:
        return self.source.policy.key

    @property
    def name(self) -> str:
        return self.source.policy.metadata.name

    @property
    def namespace(self) -> str:
        return self.source.policy.metadata.namespace


def effective_methods(source: ServiceSource, defaults: ClassDefaults) -> tuple[Method, ...]:
    """Explicit service methods win; class methods drop Longhorn for non-Longhorn storage."""
    spec = source.policy.spec
    if spec.methods is not None:
        return tuple(sorted(set(spec.methods)))
    methods = set(defaults.methods)
    if spec.storage != "longhorn":
        methods.discard("longhorn")
    if not any(v.claim for v in spec.volumes):
        methods -= {"longhorn", "k8up"}  # nothing on a PVC to copy
    return tuple(sorted(methods))


def effective_services(policies: Policies) -> list[EffectiveService]:
    """Every service whose class exists in the cluster policy (others are reported by rules)."""
    cluster: ClusterSpec = policies.cluster.policy.spec
    out = []
    for source in policies.services:
        spec = source.policy.spec
        defaults = cluster.classes.get(spec.classification)
        if defaults is None:
            continue
        out.append(
            EffectiveService(
                source,
                defaults,
                spec.rpo or defaults.rpo,
                spec.rto or defaults.rto,
                effective_methods(source, defaults),
            )
        )
    return out
