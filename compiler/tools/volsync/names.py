"""Names, repository URLs and value forms of the VolSync objects, with the upstream facts.

Verified in backube/volsync at v0.16.0 (read in place; VolSync is AGPL-3.0, nothing copied):

- ``api/v1alpha1/replicationsource_types.go``: ``spec.sourcePVC``, ``spec.trigger.schedule``
  (CRD pattern ``^(@(annually|yearly|monthly|weekly|daily|hourly))|((((\\d+,)*\\d+|(\\d+(\\/|-)
  \\d+)|\\*(\\/\\d+)?)\\s?){5})$``: a field is a list, ``a-b``, ``a/s`` or ``*[/s]``; its
  loose anchors let ``a-b/s`` through as a suffix match, the generated form never needs them),
  ``spec.restic.{repository, retain{hourly,daily,weekly,monthly,yearly,within},
  copyMethod, volumeSnapshotClassName, cacheCapacity, cacheStorageClassName,
  moverSecurityContext, pruneIntervalDays}``, ``status.lastSyncTime`` (the end of the last
  successful sync), ``status.latestMoverStatus.result`` (``Successful``/``Failed``).
- ``internal/controller/mover/restic/mover.go``: the repository Secret must hold
  ``RESTIC_REPOSITORY`` and ``RESTIC_PASSWORD`` (``validateRepository``); ``AWS_ACCESS_KEY_ID``,
  ``AWS_SECRET_ACCESS_KEY`` (and ``AWS_DEFAULT_REGION``...) are passed through when present
  (``ensureJob``); ``generateForgetOptions`` turns ``retain`` into ``--keep-*`` flags and an
  absent or empty ``retain`` into ``--keep-last 1``; ``within`` goes to ``--keep-within``
  unchanged (restic's duration: ``y``, ``m`` = month, ``d``, ``h``); prune runs every 7 days
  unless ``pruneIntervalDays``; the cache volume is 1Gi unless ``cacheCapacity``.
- ``mover-restic/entry.sh``: every backup is ``restic backup --host volsync .`` from inside
  the volume (mounted at ``/data``) and ``forget --host volsync``: two PVCs in one repository
  are one snapshot series, so each PVC needs its own repository
  (``docs/usage/restic/index.rst``: "The repository path should be unique for each PV").
- ``docs/usage/restic/index.rst``: the S3 form ``s3:http://host:port/bucket/path``;
  ``docs/usage/volume-populator/index.rst``: a PVC whose ``dataSourceRef`` is a
  ReplicationDestination (``apiGroup: volsync.backube``) is filled from its ``latestImage``,
  which needs ``copyMethod: Snapshot``; ``internal/controller/volumehandler/volumehandler.go``
  (``EnsureNewPVC``): without ``destinationPVC`` a destination needs ``capacity`` and
  ``accessModes``.
- ``docs/usage/permissionmodel.rst``: an unprivileged mover runs with every capability
  dropped (as UID 0 where nothing assigns one); "if the primary workload specifies a
  security context, that same security context should be used for VolSync".
"""

from __future__ import annotations

import re

from compiler.analyse import EffectiveService
from compiler.core import cron
from compiler.model.cluster import S3Target
from compiler.tools.volsync.settings import VolSyncSettings

SECRET_KEYS = ("RESTIC_REPOSITORY", "RESTIC_PASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
"""The keys of the repository Secret each app provides (referenced, never generated)."""
REPOSITORY_PREFIX = "volsync"
RESTORE_TRIGGER = "restore-once"
REPOSITORY_ANNOTATION = "backup-policy.io/restic-repository"
GROUP = "volsync.backube"
API_VERSION = f"{GROUP}/v1alpha1"
METHOD = "restic"
_FIELD = re.compile(r"^((\d+,)*\d+|\d+[/-]\d+|\*(/\d+)?)$")


def seed(service: EffectiveService, claim: str) -> str:
    return f"volsync/{service.key}/{claim}"


def source_name(claim: str) -> str:
    """The ReplicationSource of a PVC (``obj_name`` of VolSync's metrics)."""
    return f"bp-{claim}"


def destination_name(claim: str) -> str:
    """The ReplicationDestination that restores a PVC (the bootstrap's ``dataSourceRef``)."""
    return f"bp-{claim}-restore"


def secret_name(settings: VolSyncSettings, service: EffectiveService, claim: str) -> str:
    return (
        settings.repository_secret.replace("{app}", service.name)
        .replace("{namespace}", service.namespace)
        .replace("{claim}", claim)
    )


def repository_url(target: S3Target, namespace: str, claim: str) -> str:
    """The ``RESTIC_REPOSITORY`` of a PVC: ``s3:<endpoint>/<bucket>/volsync/<ns>/<claim>``."""
    base = target.endpoint.rstrip("/")
    return f"s3:{base}/{target.bucket}/{REPOSITORY_PREFIX}/{namespace}/{claim}"


def volsync_cron(expression: str) -> str:
    """A resolved five-field cron in the form VolSync's CRD accepts: a field it refuses
    (``7-59/30``, ``1-3,5``) is written as the list of its values."""
    parsed = cron.parse(expression)
    values = (parsed.minutes, parsed.hours, parsed.days, parsed.months, parsed.weekdays)
    fields = cron.normalise(expression).split(" ")
    return " ".join(
        field if _FIELD.match(field) else ",".join(str(v) for v in sorted(found))
        for field, found in zip(fields, values, strict=True)
    )


def restic_duration(seconds: int) -> str:
    """Whole hours as restic writes a duration for ``--keep-within`` (``14d``, ``1d12h``)."""
    days, hours = divmod(seconds // 3600, 24)
    return (f"{days}d" if days else "") + (f"{hours}h" if hours else "")
