"""Names and upstream facts of CloudNativePG and its barman-cloud plugin.

Checked in the sources at the versions of ``../shared/crds``:

- cloudnative-pg/cloudnative-pg@v1.30.0 (4b5e244a):
  - ``api/v1/scheduledbackup_types.go``: ``spec.schedule`` "does not follow the same format
    used in Kubernetes CronJobs as it includes an additional seconds specifier"; it is parsed
    by ``github.com/robfig/cron`` v1.2.0 (go.mod) ``cron.Parse``
    (``internal/controller/scheduledbackup_controller.go``), whose default parser is
    ``Second | Minute | Hour | Dom | Month | DowOptional | Descriptor`` (robfig/cron@v1.2.0
    ``parser.go``): a five-field ``"30 2 * * *"`` is accepted as second 30, minute 2 of
    *every hour*; the webhook only warns (``internal/webhook/v1/scheduledbackup_webhook.go``).
    Day of week is 0-6 there (no 7).
  - ``pkg/postgres/configuration.go``: ``archive_timeout`` defaults to ``5min``
    (``CnpgConfigurationSettings.GlobalDefaultSettings``), and ``docs/src/wal_archiving.md``:
    a WAL file is closed and archived at least that often under any write load.
  - ``internal/webhook/v1/cluster_webhook.go`` (``validatePluginConfiguration``): a WAL
    archiver plugin cannot be enabled while ``spec.backup.barmanObjectStore`` is set, and at
    most one plugin may be the WAL archiver.
  - ``pkg/specs/pods.go`` (``GetInstanceName``): instances are ``<cluster>-<serial>``; their
    PVCs are the instance name, ``<instance>-wal`` and ``<instance>-tbs-<tablespace>``
    (``api/v1/cluster_types.go``: ``WalArchiveVolumeSuffix``, ``TablespaceVolumeInfix``);
    pods carry ``cnpg.io/cluster`` and ``cnpg.io/podRole: instance`` and expose the
    ``metrics`` port (``pkg/specs/podmonitor.go``, ``pkg/utils/labels_annotations.go``).
- cloudnative-pg/plugin-barman-cloud@v0.14.0 (1e13020f):
  - ``internal/cnpgi/metadata/constants.go``: the plugin is ``barman-cloud.cloudnative-pg.io``;
  - ``internal/cnpgi/operator/config/config.go``: its Cluster parameters are
    ``barmanObjectName`` and ``serverName`` (default: the Cluster's name); the ObjectStore's
    own ``configuration.serverName`` is refused (``api/v1/objectstore_types.go``, CEL);
  - ``internal/cnpgi/operator/lifecycle_envs.go``: the ObjectStore's
    ``instanceSidecarConfiguration.env`` is given to the sidecar, whose environment the
    barman-cloud commands inherit (``internal/cnpgi/common/wal.go``: ``os.Environ()`` plus
    the credentials); ``s3Credentials.region`` is only a Secret reference, so the target's
    region goes there as ``AWS_DEFAULT_REGION``.
"""

from __future__ import annotations

PLUGIN = "barman-cloud.cloudnative-pg.io"
OBJECT_STORE_API = "barmancloud.cnpg.io/v1"
OBJECT_STORE_GROUP = "barmancloud.cnpg.io"
CNPG_API = "postgresql.cnpg.io/v1"
CNPG_GROUP = "postgresql.cnpg.io"
CLUSTER_LABEL = "cnpg.io/cluster"
POD_ROLE_LABEL = "cnpg.io/podRole"
METRICS_PORT = "metrics"
METHOD = "cnpg"
PATH_PREFIX = "cnpg"


def object_name(cluster: str) -> str:
    """The ObjectStore, ScheduledBackup and PodMonitor of one Cluster share this name (a
    cluster that adopts an ObjectStore of its tree keeps it for the other two)."""
    return f"{cluster}-backup"


def object_file(cluster: str) -> str:
    return f"cnpg-{cluster}.yaml"


def patch_file(cluster: str) -> str:
    return f"patches/cnpg-{cluster}.yaml"


def seed(service_key: str, cluster: str) -> str:
    return f"cnpg/{service_key}/{cluster}"


def item_key(cluster: str) -> str:
    return f"postgres:{cluster}"


def job_label(namespace: str, cluster: str) -> str:
    """Prometheus' ``job`` of the generated PodMonitor (the Prometheus Operator's
    ``<namespace>/<podmonitor>``)."""
    return f"{namespace}/{object_name(cluster)}"


def pg_duration(seconds: int) -> str:
    """A PostgreSQL time setting: whole minutes as ``min``, else seconds."""
    return f"{seconds // 60}min" if seconds % 60 == 0 else f"{seconds}s"
