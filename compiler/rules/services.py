"""Rules about one service policy's own consistency."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from compiler.core.diagnostics import Diagnostic
from compiler.core.text import did_you_mean
from compiler.rules import PolicyContext, policy_rule


@policy_rule(
    "BP302",
    "method-without-settings",
    "error",
    passing="methods: [k8up]  # and the class has a k8up: block",
    failing="methods: [velero]  # and the class has no velero: block",
)
def method_without_settings(context: PolicyContext) -> Iterator[Diagnostic]:
    """A method a service uses needs that tool's settings in its class.

    The class block holds what the method cannot do without: the target, the schedules,
    the retention.
    """
    tools = {t.method: t for t in context.tools if t.method is not None}
    for service in context.analysis.services:
        spec = service.source.policy.spec
        for method in service.methods:
            tool = tools.get(method)
            if tool is None or tool.has_settings(service.defaults):
                continue
            path: tuple[str | int, ...] = ("spec", "classification")
            if spec.methods is not None:
                path = ("spec", "methods", spec.methods.index(method))
            yield method_without_settings.at(
                service.source.doc,
                path,
                f"method {method!r} is used but class "
                f"{spec.classification!r} has no {method} settings",
                f"add spec.classes.{spec.classification}.{method} to the cluster policy",
            )


@policy_rule(
    "BP303",
    "unknown-class",
    "error",
    passing="classification: important  # with classes: {important: {...}}",
    failing="classification: best-effort  # the cluster defines no best-effort class",
)
def unknown_class(context: PolicyContext) -> Iterator[Diagnostic]:
    """A service's classification must have defaults in the cluster policy."""
    policies = context.analysis.policies
    classes = policies.cluster.policy.spec.classes
    for source in policies.services:
        name = source.policy.spec.classification
        if name not in classes:
            yield unknown_class.at(
                source.doc,
                ("spec", "classification"),
                f"class {name!r} is not defined in the cluster policy",
                f"add spec.classes.{name}",
            )


@policy_rule(
    "BP310",
    "duplicate-service",
    "error",
    passing="media/overseerr declared in one file",
    failing="media/overseerr declared in two files",
)
def duplicate_service(context: PolicyContext) -> Iterator[Diagnostic]:
    """Each namespace/name is declared by one policy file."""
    seen: dict[str, str] = {}
    for source in context.analysis.policies.services:
        key = source.policy.key
        if key in seen:
            yield duplicate_service.at(
                source.doc,
                ("metadata", "name"),
                f"service {key} is already declared in {seen[key]}",
                "merge the two policies or rename one",
            )
        else:
            seen[key] = source.file


@policy_rule(
    "BP318",
    "shared-app-folder",
    "error",
    passing="media/overseerr in kubernetes/apps/media/overseerr, media/jellyfin in its own",
    failing="two services with appPath: kubernetes/apps/media/shared",
)
def shared_app_folder(context: PolicyContext) -> Iterator[Diagnostic]:
    """Each service has an app folder of its own: its backup Component goes there.

    Two services in one folder would each write ``backup/kustomization.yaml`` there, and
    the kustomization lists one Component: one service's backups would not be applied.
    """
    seen: dict[str, str] = {}
    for service in context.analysis.services:
        folder, key = service.app_dir, service.key
        if folder not in seen:
            seen[folder] = key
            continue
        if seen[folder] == key:
            continue  # the same service twice: BP310 says so
        path = ("spec", "appPath") if service.source.policy.spec.app_path else ("metadata",)
        yield shared_app_folder.at(
            service.source.doc,
            path,
            f"service {key} shares the app folder {folder} with {seen[folder]}",
            "give each service its own folder (spec.appPath), or merge the two policies",
        )


@policy_rule(
    "BP312",
    "volume-kind",
    "error",
    passing="volumes: [{name: data, claim: paperless-data}]",
    failing="volumes: [{name: data}]",
)
def volume_kind(context: PolicyContext) -> Iterator[Diagnostic]:
    """A volume is exactly one of a PersistentVolumeClaim or an emptyDir."""
    for source in context.analysis.policies.services:
        for index, volume in enumerate(source.policy.spec.volumes):
            if bool(volume.claim) == volume.empty_dir:
                yield volume_kind.at(
                    source.doc,
                    ("spec", "volumes", index),
                    f"volume {volume.name!r} must set exactly one of claim or emptyDir: true",
                    "name the PVC with claim:, or set emptyDir: true",
                )


@policy_rule(
    "BP316",
    "duplicate-volume",
    "error",
    passing="volumes: [{name: data, ...}, {name: media, ...}]",
    failing="volumes: [{name: data, ...}, {name: data, ...}]",
)
def duplicate_volume(context: PolicyContext) -> Iterator[Diagnostic]:
    """Volume names (and claims) are unique within a service."""
    for source in context.analysis.policies.services:
        names: set[tuple[str, str]] = set()
        for index, volume in enumerate(source.policy.spec.volumes):
            for label, value in (("name", volume.name), ("claim", volume.claim)):
                if value and (label, value) in names:
                    yield duplicate_volume.at(
                        source.doc,
                        ("spec", "volumes", index, label),
                        f"volume {label} {value!r} appears twice",
                    )
                names.add((label, value or ""))


@policy_rule(
    "BP319",
    "duplicate-sqlite",
    "error",
    passing="sqlite: [{path: /data/db.sqlite3, ...}, {path: /data/cache.db, ...}]",
    failing="sqlite: [{path: /data/db.sqlite3, ...}, {path: /data/db.sqlite3, ...}]",
)
def duplicate_sqlite(context: PolicyContext) -> Iterator[Diagnostic]:
    """Each SQLite database is listed once within a service.

    Every entry gets its own Litestream replicator and restore init container: two entries
    of one database replicate it twice (to one replica path unless ``replicaPath`` differs),
    and the two replicators corrupt each other's WAL copies and the replica. Two databases
    with different paths but one replica path are rule BP363.
    """
    for source in context.analysis.policies.services:
        paths: set[str] = set()
        for index, db in enumerate(source.policy.spec.sqlite):
            if db.path in paths:
                yield duplicate_sqlite.at(
                    source.doc,
                    ("spec", "sqlite", index, "path"),
                    f"SQLite database {db.path} is listed twice",
                    "remove this entry; to replicate to several targets, list them in the "
                    "first entry's `targets`",
                )
            paths.add(db.path)


@policy_rule(
    "BP313",
    "sqlite-volume",
    "error",
    passing=(
        "volumes: [{name: data, claim: x, mountPath: /data}]\n"
        "sqlite: [{path: /data/db.sqlite3, volume: data}]"
    ),
    failing=(
        "volumes: [{name: data, claim: x, mountPath: /data}]\n"
        "sqlite: [{path: /config/db.sqlite3, volume: data}]"
    ),
)
def sqlite_volume(context: PolicyContext) -> Iterator[Diagnostic]:
    """An SQLite database lives on a declared volume, under its mountPath."""
    for source in context.analysis.policies.services:
        spec = source.policy.spec
        volumes = {v.name: v for v in spec.volumes}
        for index, db in enumerate(spec.sqlite):
            volume = volumes.get(db.volume)
            if volume is None:
                yield sqlite_volume.at(
                    source.doc,
                    ("spec", "sqlite", index, "volume"),
                    f"volume {db.volume!r} is not declared",
                    did_you_mean(db.volume, volumes) or "declare it under spec.volumes",
                )
            elif volume.mount_path is None:
                position = next(i for i, v in enumerate(spec.volumes) if v is volume)
                yield sqlite_volume.at(
                    source.doc,
                    ("spec", "volumes", position),
                    f"volume {db.volume!r} holds an SQLite database but has no mountPath",
                    "add mountPath: so the sidecar mounts it too",
                )
            elif posixpath.commonpath([db.path, volume.mount_path]) != volume.mount_path:
                yield sqlite_volume.at(
                    source.doc,
                    ("spec", "sqlite", index, "path"),
                    f"{db.path} is not under {volume.mount_path}, "
                    f"the mountPath of volume {db.volume!r}",
                )


@policy_rule(
    "BP369",
    "helm-only-workload-fields",
    "error",
    passing="workload: {kind: HelmRelease, name: x, renders: {kind: StatefulSet}}",
    failing="workload: {kind: Deployment, name: x, existingPostRenderers: true}",
)
def helm_only_fields(context: PolicyContext) -> Iterator[Diagnostic]:
    """``workload.renders`` and ``existingPostRenderers`` only apply to a HelmRelease."""
    for source in context.analysis.policies.services:
        workload = source.policy.spec.workload
        if workload.kind == "HelmRelease":
            continue
        for key, used in (
            ("renders", workload.renders is not None),
            ("existingPostRenderers", workload.existing_post_renderers),
        ):
            if used:
                yield helm_only_fields.at(
                    source.doc,
                    ("spec", "workload", key),
                    f"workload.{key} only applies to kind HelmRelease, not {workload.kind}",
                    f"remove {key}",
                    key=True,
                )


RULES = (
    method_without_settings,
    unknown_class,
    duplicate_service,
    shared_app_folder,
    volume_kind,
    sqlite_volume,
    duplicate_volume,
    duplicate_sqlite,
    helm_only_fields,
)
