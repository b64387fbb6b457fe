"""The Velero Schedules of each namespace: the strictest service's class decides them.

The schedule of a namespace is the strictest (smallest RPO, then highest class) of its
Velero-protected services'; a class's ``tiers`` add ``bp-<namespace>-<tier>`` beside
``bp-<namespace>``.
"""

from __future__ import annotations

from collections.abc import Iterable

from msgspec import Struct

from compiler.analyse import EffectiveService
from compiler.core.rule import PathKey
from compiler.tools.velero.settings import SETTINGS

_PRECEDENCE = {"critical": 0, "important": 1, "best-effort": 2}


def seed(namespace: str, tier: str | None = None) -> str:
    return f"velero/{namespace}" + (f"/{tier}" if tier else "")


class NamespaceSchedule(Struct, frozen=True):
    """One Velero Schedule of a namespace: the class's main one, or one of its tiers."""

    namespace: str
    tier: str | None
    schedule: str
    ttl: int
    origin: PathKey

    @property
    def name(self) -> str:
        return f"bp-{self.namespace}" + (f"-{self.tier}" if self.tier else "")

    @property
    def seed(self) -> str:
        return seed(self.namespace, self.tier)


def schedules(namespace: str, service: EffectiveService) -> list[NamespaceSchedule]:
    """The namespace's Schedules, from the settings of its strictest service's class."""
    settings = SETTINGS.of(service.defaults)
    assert settings is not None  # namespaces() only returns configured ones
    where = ("spec", "classes", service.classification, "velero")
    main = NamespaceSchedule(namespace, None, settings.schedule, settings.ttl, (*where, "schedule"))
    return [main] + [
        NamespaceSchedule(
            namespace, t.tier, t.schedule, t.ttl, (*where, "tiers", index, "schedule")
        )
        for index, t in enumerate(settings.tiers)
    ]


def _rank(service: EffectiveService) -> tuple[int, int, str]:
    return service.rpo, _PRECEDENCE[service.classification], service.key


def namespaces(services: Iterable[EffectiveService]) -> dict[str, EffectiveService]:
    """Per namespace, the Velero-protected service whose class is strictest."""
    chosen: dict[str, EffectiveService] = {}
    for service in services:
        if "velero" not in service.methods or SETTINGS.of(service.defaults) is None:
            continue
        current = chosen.get(service.namespace)
        if current is None or _rank(service) < _rank(current):
            chosen[service.namespace] = service
    return dict(sorted(chosen.items()))
