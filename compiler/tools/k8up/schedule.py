"""The K8up ``Schedule`` of one service: backup, check and prune of its restic repository."""

from __future__ import annotations

from typing import Any

from compiler.analyse import EffectiveService, ScheduleBook
from compiler.model.cluster import S3Target
from compiler.plan import SERVICE_LABEL
from compiler.plan.k8s import managed, metadata, s3_key_refs, secret_ref
from compiler.tools.k8up.settings import K8upSettings


def seed(service: EffectiveService, job: str) -> str:
    return f"k8up/{service.key}/{job}"


def tag(service: EffectiveService) -> str:
    """The restic tag of the service's snapshots (backup and prune select by it)."""
    return f"{service.namespace}-{service.name}"


def backend(target: S3Target) -> dict[str, Any]:
    """The restic repository on ``target``: its S3 bucket and the Secrets that open it."""
    assert target.repo_password_secret is not None  # BP330 refuses a target without one
    access_key, secret_key = s3_key_refs(target)
    password = target.repo_password_secret
    return {
        "repoPasswordSecretRef": secret_ref(password.name, password.key),
        "s3": {
            "endpoint": target.endpoint,
            "bucket": target.bucket,
            "accessKeyIDSecretRef": access_key,
            "secretAccessKeySecretRef": secret_key,
        },
    }


def schedule(
    service: EffectiveService, settings: K8upSettings, target: S3Target, book: ScheduleBook
) -> dict[str, Any]:
    """K8up backs up the PVCs that carry the service label, into the target's repository."""
    retention = settings.retention.model_dump(by_alias=True, exclude_none=True)
    return {
        "apiVersion": "k8up.io/v1",
        "kind": "Schedule",
        "metadata": metadata(
            f"bp-{service.name}", service.namespace, managed(**{SERVICE_LABEL: service.name})
        ),
        "spec": {
            "backend": backend(target),
            "successfulJobsHistoryLimit": settings.successful_jobs_history_limit,
            "failedJobsHistoryLimit": settings.failed_jobs_history_limit,
            "backup": {
                "schedule": book.cron_for(seed(service, "backup")),
                "labelSelectors": [{"matchLabels": {SERVICE_LABEL: service.name}}],
                "tags": [tag(service)],
            },
            "check": {"schedule": book.cron_for(seed(service, "check"))},
            "prune": {
                "schedule": book.cron_for(seed(service, "prune")),
                "retention": {**retention, "tags": [tag(service)]},
            },
        },
    }
