"""A Velero backup before an upgrade (``backup-policy velero pre-upgrade TOPIC``).

It covers the namespaces of every service of the chosen classes (all classes by default),
whether or not their scheduled protection uses Velero: it saves the objects an upgrade may
break. It is kept as long as the longest ``ttl`` of those classes' ``velero:`` blocks and
written to the storage location (and with the volume snapshots setting) of the strictest
such class. The result is the exact ``velero backup create`` command, or the same backup as
a ``Backup`` manifest to apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from msgspec import Struct

from compiler.analyse import EffectiveService
from compiler.core.durations import format_duration
from compiler.model.cluster import ClusterSpec, VeleroTarget
from compiler.tools.velero.settings import NAMESPACE, SETTINGS, VeleroSettings

CLASS_ORDER = ("critical", "important", "best-effort")


class PreUpgrade(Struct, frozen=True):
    """One on-demand backup: its name, namespaces, retention and where it goes."""

    name: str
    namespaces: tuple[str, ...]
    ttl: int
    location: str
    snapshot_volumes: bool
    velero_namespace: str

    def command(self) -> str:
        """The exact ``velero backup create`` line (it waits until the backup is done)."""
        snapshots = "true" if self.snapshot_volumes else "false"
        return (
            f"velero -n {self.velero_namespace} backup create {self.name} "
            f"--include-namespaces {','.join(self.namespaces)} "
            f"--ttl {format_duration(self.ttl)} --storage-location {self.location} "
            f"--snapshot-volumes={snapshots} --wait"
        )

    def backup(self, labels: dict[str, str]) -> dict[str, Any]:
        """The same backup as a ``velero.io/v1`` ``Backup``."""
        return {
            "apiVersion": "velero.io/v1",
            "kind": "Backup",
            "metadata": {"name": self.name, "namespace": self.velero_namespace, "labels": labels},
            "spec": {
                "includedNamespaces": list(self.namespaces),
                "storageLocation": self.location,
                "ttl": format_duration(self.ttl),
                "snapshotVolumes": self.snapshot_volumes,
            },
        }


def _settings(cluster: ClusterSpec, classes: Sequence[str]) -> list[VeleroSettings]:
    """The ``velero:`` blocks of the chosen classes, strictest class first."""
    chosen = sorted(
        (CLASS_ORDER.index(name), defaults)
        for name, defaults in cluster.classes.items()
        if name in classes
    )
    return [s for _, defaults in chosen if (s := SETTINGS.of(defaults)) is not None]


def pre_upgrade(
    cluster: ClusterSpec,
    services: Sequence[EffectiveService],
    topic: str,
    classes: Sequence[str],
) -> PreUpgrade | str:
    """The backup before upgrading ``topic``, or why there is none."""
    settings = _settings(cluster, classes)
    if not settings:
        return f"no class among {', '.join(classes)} has a velero: block to take the ttl from"
    namespaces = tuple(sorted({s.namespace for s in services if s.classification in classes}))
    if not namespaces:
        return f"no service is of the classes {', '.join(classes)}"
    target = cluster.targets.get(settings[0].target)
    location = target.name if isinstance(target, VeleroTarget) else "default"
    return PreUpgrade(
        f"pre-{topic}",
        namespaces,
        max(s.ttl for s in settings),
        location,
        settings[0].snapshot_volumes,
        NAMESPACE.of(cluster.namespaces),
    )
