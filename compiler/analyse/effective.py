"""What a service actually gets: its class defaults merged with its own overrides."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

from msgspec import Struct

from compiler.model.cluster import ClassDefaults, ClusterSpec, S3Target
from compiler.policies import Policies, ServiceSource


class EffectiveService(Struct, frozen=True, dict=True):
    """A service with its class resolved: declared RPO/RTO and the methods that apply."""

    source: ServiceSource
    defaults: ClassDefaults
    rpo: int
    rto: int
    methods: tuple[str, ...]

    @cached_property
    def memo(self) -> dict[object, Any]:
        """What tools derive from the service, kept by them under their own keys: a tool's
        setup is asked for by a dozen planners and rules per service."""
        return {}

    @property
    def key(self) -> str:
        return self.source.policy.key

    @property
    def name(self) -> str:
        return self.source.policy.metadata.name

    @property
    def namespace(self) -> str:
        return self.source.policy.metadata.namespace

    @property
    def classification(self) -> str:
        return self.source.policy.spec.classification

    def s3_target(self, cluster: ClusterSpec, name: str) -> S3Target | None:
        """Target ``name`` as this service reaches it: its own credentials Secret when
        ``spec.credentials`` names one; None unless an s3 target (rules report that)."""
        target = cluster.targets.get(name)
        if not isinstance(target, S3Target):
            return None
        own = self.source.policy.spec.credentials.get(name)
        return target if own is None else target.model_copy(update={"credentials_secret": own})

    @property
    def app_dir(self) -> str:
        """The app's folder under the output root (where its backup Component goes)."""
        spec = self.source.policy.spec
        return spec.app_path or f"kubernetes/apps/{self.namespace}/{self.name}"


# Whether a method listed by a service's class applies to it (a tool's own precondition,
# e.g. Longhorn only for Longhorn volumes): method name -> test of the service.
DefaultFilter = Callable[[ServiceSource], bool]


def effective_methods(
    source: ServiceSource, defaults: ClassDefaults, filters: Mapping[str, DefaultFilter]
) -> tuple[str, ...]:
    """Explicit service methods win as written; class methods keep those whose tool says
    they apply to this service."""
    spec = source.policy.spec
    if spec.methods is not None:
        return tuple(sorted(set(spec.methods)))
    keep = {m for m in defaults.methods if m not in filters or filters[m](source)}
    return tuple(sorted(keep))


def effective_services(
    policies: Policies, filters: Mapping[str, DefaultFilter]
) -> list[EffectiveService]:
    """Every service whose class exists in the cluster policy (others are reported by rules)."""
    cluster: ClusterSpec = policies.cluster.policy.spec
    out = []
    for source in policies.services:
        spec = source.policy.spec
        defaults = cluster.classes.get(spec.classification)
        if defaults is None:
            continue
        rpo = spec.rpo if spec.rpo is not None else defaults.rpo
        rto = spec.rto if spec.rto is not None else defaults.rto
        out.append(
            EffectiveService(
                source, defaults, rpo, rto, effective_methods(source, defaults, filters)
            )
        )
    return out
