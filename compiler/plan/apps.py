"""Per-app files: the backup Component and what it carries (K8up Schedule, PVC labels)."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.analyse import Analysis
from compiler.analyse.effective import EffectiveService
from compiler.analyse.jobs import k8up_seed
from compiler.model.cluster import S3Target
from compiler.plan import CLASS_LABEL, MANAGED_BY, SERVICE_LABEL, ComponentRef, PlannedFile
from compiler.plan.extension import AppExtension, AppPlanner
from compiler.plan.objects import Component, K8upSchedule, Patch, PvcPatch, SecretRef


def app_dir(service: EffectiveService) -> str:
    spec = service.source.policy.spec
    return spec.app_path or f"kubernetes/apps/{service.namespace}/{service.name}"


def longhorn_group(classification: str) -> str:
    return f"bp-{classification}"


def component_refs(analysis: Analysis, planned: set[str]) -> Iterator[ComponentRef]:
    """Apps that got a Component (a service with nothing to add gets none)."""
    for service in analysis.services:
        if f"{app_dir(service)}/backup/kustomization.yaml" not in planned:
            continue
        line, col = service.source.doc.locate(("metadata", "name"))
        yield ComponentRef(app_dir(service), service.key, service.source.file, line, col)


def _pvc_labels(service: EffectiveService) -> tuple[tuple[str, str], ...]:
    classification = service.source.policy.spec.classification
    labels = {SERVICE_LABEL: service.name, CLASS_LABEL: classification}
    if "longhorn" in service.methods:
        # Longhorn ignores group labels unless the source label is present too.
        labels["recurring-job.longhorn.io/source"] = "enabled"
        labels[f"recurring-job-group.longhorn.io/{longhorn_group(classification)}"] = "enabled"
    return tuple(sorted(labels.items()))


def _k8up(analysis: Analysis, service: EffectiveService) -> K8upSchedule | None:
    settings = service.defaults.k8up
    if "k8up" not in service.methods or settings is None:
        return None
    target = analysis.policies.cluster.policy.spec.targets[settings.target]
    assert isinstance(target, S3Target) and target.repo_password_secret is not None
    creds = target.credentials_secret
    book = analysis.schedules
    retention = tuple(
        (key, value)
        for key, value in settings.retention.model_dump(by_alias=True).items()
        if value is not None
    )
    return K8upSchedule(
        name=f"bp-{service.name}",
        namespace=service.namespace,
        service=service.name,
        endpoint=target.endpoint,
        bucket=target.bucket,
        access_key=SecretRef(creds.name, creds.access_key_id_key),
        secret_key=SecretRef(creds.name, creds.secret_access_key_key),
        repo_password=SecretRef(target.repo_password_secret.name, target.repo_password_secret.key),
        backup=book.cron_for(k8up_seed(service, "backup")),
        check=book.cron_for(k8up_seed(service, "check")),
        prune=book.cron_for(k8up_seed(service, "prune")),
        retention=retention,
        successful_history=settings.successful_jobs_history_limit,
        failed_history=settings.failed_jobs_history_limit,
        labels=tuple(sorted({**MANAGED_BY, SERVICE_LABEL: service.name}.items())),
    )


def plan_service(analysis: Analysis, service: EffectiveService) -> Iterator[PlannedFile]:
    base = f"{app_dir(service)}/backup"
    sources = (service.source.file,)
    cluster_file = analysis.policies.cluster.file
    resources: list[str] = []
    patches: list[Patch] = []
    schedule = _k8up(analysis, service)
    if schedule is not None:
        resources.append("k8up-schedule.yaml")
        yield PlannedFile(
            f"{base}/k8up-schedule.yaml",
            "k8up/schedule.yaml.j2",
            (*sources, cluster_file),
            schedule,
        )
    if {"k8up", "longhorn"} & set(service.methods):
        labels = _pvc_labels(service)
        for volume in service.source.policy.spec.volumes:
            if volume.claim:
                patch = PvcPatch(volume.claim, labels, f"patches/pvc-{volume.claim}.yaml")
                patches.append(
                    Patch(patch.file, "PersistentVolumeClaim", volume.claim, version="v1")
                )
                yield PlannedFile(f"{base}/{patch.file}", "app/pvc-labels.yaml.j2", sources, patch)
    for extra in _extensions(analysis, service):
        resources.extend(extra.resources)
        patches.extend(extra.patches)
        yield from extra.files
    if not resources and not patches:
        return  # kustomize refuses an empty Component
    yield PlannedFile(
        f"{base}/kustomization.yaml",
        "app/component.yaml.j2",
        (*sources, cluster_file),
        Component(tuple(sorted(resources)), tuple(sorted(patches, key=lambda p: p.path))),
    )


def _extensions(analysis: Analysis, service: EffectiveService) -> list[AppExtension]:
    """Further tools that add to the Component (Litestream), in a fixed order."""
    from compiler.litestream.inject import plan_litestream  # imports plan: load it late

    planners: tuple[AppPlanner, ...] = (plan_litestream,)
    return [ext for planner in planners if (ext := planner(analysis, service)) is not None]


def plan_apps(analysis: Analysis) -> Iterator[PlannedFile]:
    for service in analysis.services:
        yield from plan_service(analysis, service)
