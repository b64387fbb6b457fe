"""CloudNativePG's part of the policy format: a class's ``cnpg:`` block and a service's
``postgres:`` list (the CNPG ``Cluster`` objects of its app)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from compiler.core.retention import DAY, MONTH, WEEK
from compiler.model.compose import Slot
from compiler.model.types import MODEL_CONFIG, CronSpec, DnsLabel, Duration, Form, NonEmpty


class Base(BaseModel):
    model_config = MODEL_CONFIG


# The ObjectStore's retentionPolicy pattern (plugin-barman-cloud@v0.14.0
# api/v1/objectstore_types.go, ObjectStoreSpec.RetentionPolicy): a recovery window.
RetentionPolicy = Annotated[
    str,
    Field(pattern=r"^[1-9][0-9]*[dwm]$"),
    Form("a recovery window in days, weeks or months, e.g. 30d, 4w, 6m"),
]
Method = Literal["plugin", "barmanObjectStore"]
_WINDOW_UNITS = {"d": DAY, "w": WEEK, "m": MONTH}


def recovery_window(policy: str) -> int:
    """Seconds of a retentionPolicy (``30d``, ``4w``, ``6m``; a month counts 30 days)."""
    return int(policy[:-1]) * _WINDOW_UNITS[policy[-1]]


class CnpgSettings(Base):
    """A class's Postgres backups: WAL archiving and base backups of its services' clusters."""

    target: NonEmpty = Field(
        description="Name of the s3 target the WAL archive and the base backups go to.",
        examples=["garage"],
    )
    method: Method = Field(
        "plugin",
        description="plugin: the barman-cloud plugin (an ObjectStore and the Cluster's "
        "spec.plugins, what CloudNativePG recommends since 1.26); barmanObjectStore: the "
        "deprecated in-tree spec.backup.barmanObjectStore (rule BP392 warns). Absent: plugin.",
        examples=["plugin", "barmanObjectStore"],
    )
    schedule: CronSpec = Field(
        "H H(0-5) * * *",
        description="When a base backup runs (5-field cron, written into the ScheduledBackup "
        "with a leading seconds field, in the operator's time zone, UTC upstream); H/H(a-b) in "
        "the minute and hour pick a stable spread value. Base backups bound the restore time: "
        "a restore replays the WAL since the last one. Absent: daily between 00:00 and 05:59.",
        examples=["H H(0-5) * * *", "H */6 * * *"],
    )
    retention: RetentionPolicy = Field(
        "30d",
        description="Recovery window barman-cloud keeps base backups and WAL for "
        "(retentionPolicy). Absent: 30d.",
        examples=["30d", "4w"],
    )
    archive_timeout: Duration = Field(
        "5m",
        validate_default=True,
        description="PostgreSQL's archive_timeout, patched into the Cluster: a WAL segment is "
        "closed and archived at least this often while the database is written to, so it is "
        "the effective RPO while archiving works. Absent: 5m (CloudNativePG's default).",
        examples=["5m", "1m"],
    )
    window: Duration = Field(
        "1h",
        validate_default=True,
        description="How long a base backup may run: the backup alerts wait this long past "
        "the expected gap. Absent: 1h.",
        examples=["1h", "3h"],
    )


class PostgresRestoreCheck(Base):
    """What a restore drill asks of a recovered copy of the cluster (its smoke query)."""

    database: DnsLabel = Field(
        "app",
        description="The application database in the cluster (its bootstrap's database): the "
        "recovered Cluster names it as its recovery database (the owner is the role of the "
        "same name, CloudNativePG's default), and the query runs in it. Absent: app "
        "(CloudNativePG's default).",
        examples=["miniflux"],
    )
    query: NonEmpty = Field(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' LIMIT 1",
        description="SQL the drill runs in the recovered database with psql: it must succeed "
        "and return at least one row (e.g. a table the app always has rows in). Absent: the "
        "database has a table in schema public.",
        examples=["SELECT 1 FROM users LIMIT 1"],
    )


class PostgresCluster(Base):
    """A CloudNativePG ``Cluster`` of the app: a data item whose copies barman-cloud makes."""

    cluster: DnsLabel = Field(
        description="Name of the postgresql.cnpg.io/v1 Cluster in the app's kustomize build "
        "(same namespace as the service).",
        examples=["immich-db"],
    )
    server_name: DnsLabel | None = Field(
        None,
        description="Folder of this cluster in the object store (the plugin's serverName "
        "parameter); a cluster restored from a backup must archive under a new name. "
        "Absent: the cluster's name.",
        examples=["immich-db-2"],
    )
    object_store: DnsLabel | None = Field(
        None,
        description="Name of a barmancloud.cnpg.io/v1 ObjectStore the app's tree already "
        "has (hand-written, in the app's folder) to archive to, instead of the generated "
        "<cluster>-backup: the plugin's barmanObjectName names it and no ObjectStore is "
        "generated. Its endpointURL and the bucket of its destinationPath must be the class "
        "target's and its retentionPolicy the class's retention (rules BP395-BP398); needs "
        "method plugin. Absent: the Component generates <cluster>-backup.",
        examples=["postgres17"],
    )
    restore_check: PostgresRestoreCheck = Field(
        {},
        validate_default=True,
        description="What `backup-policy drill` checks on a recovered copy: the database "
        "and a query that must return a row. Absent: database app, and it has a table in "
        "schema public.",
        examples=[{"database": "miniflux", "query": "SELECT 1 FROM users LIMIT 1"}],
    )


CLASS: Slot[CnpgSettings | None] = Slot(
    "class",
    "cnpg",
    CnpgSettings | None,
    None,
    "CloudNativePG backups (barman-cloud: WAL archiving and scheduled base backups) of the "
    "Postgres clusters of this class's services, for the method cnpg. Absent: the class "
    "cannot use cnpg.",
    ({"target": "garage", "schedule": "H H(0-5) * * *", "retention": "30d"},),
)
POSTGRES: Slot[list[PostgresCluster]] = Slot(
    "service",
    "postgres",
    list[PostgresCluster],
    [],
    "CloudNativePG Clusters of this app; each is a data item backed up by the method cnpg. "
    "Absent: none.",
    ([{"cluster": "immich-db"}],),
)
SLOTS = (CLASS, POSTGRES)
