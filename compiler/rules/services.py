"""Rules about one service policy's own consistency."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from compiler.diagnostics import Diagnostic
from compiler.model.build import did_you_mean
from compiler.rules import RuleContext, rule


@rule("BP302", "method-without-settings")
def method_without_settings(context: RuleContext) -> Iterator[Diagnostic]:
    """A method a service uses needs settings in its class.

    Passing: ``methods: [k8up]`` and class ``important`` has ``k8up: {...}``.
    Failing: ``methods: [velero]`` and the class has no ``velero:`` block.
    """
    for service in context.services:
        for method in service.methods:
            if getattr(service.defaults, method) is None:
                spec = service.source.policy.spec
                path: tuple[str | int, ...] = ("spec", "classification")
                if spec.methods is not None:
                    path = ("spec", "methods", spec.methods.index(method))
                yield service.source.doc.diagnostic(
                    path,
                    "BP302",
                    f"method {method!r} is used but class "
                    f"{spec.classification!r} has no {method} settings",
                    f"add spec.classes.{spec.classification}.{method} to the cluster policy",
                )


@rule("BP303", "unknown-class")
def unknown_class(context: RuleContext) -> Iterator[Diagnostic]:
    """A service's classification must have defaults in the cluster policy.

    Passing: ``classification: important`` with ``classes: {important: {...}}``.
    Failing: ``classification: best-effort`` when the cluster defines no best-effort class.
    """
    classes = context.policies.cluster.policy.spec.classes
    for source in context.policies.services:
        name = source.policy.spec.classification
        if name not in classes:
            yield source.doc.diagnostic(
                ("spec", "classification"),
                "BP303",
                f"class {name!r} is not defined in the cluster policy",
                f"add spec.classes.{name}",
            )


@rule("BP310", "duplicate-service")
def duplicate_service(context: RuleContext) -> Iterator[Diagnostic]:
    """Each namespace/name is declared by one policy file.

    Passing: ``media/overseerr`` in one file.  Failing: two files both naming it.
    """
    seen: dict[str, str] = {}
    for source in context.policies.services:
        key = source.policy.key
        if key in seen:
            yield source.doc.diagnostic(
                ("metadata", "name"),
                "BP310",
                f"service {key} is already declared in {seen[key]}",
                "merge the two policies or rename one",
            )
        else:
            seen[key] = source.file


@rule("BP311", "longhorn-storage")
def longhorn_storage(context: RuleContext) -> Iterator[Diagnostic]:
    """Only ``storage: longhorn`` volumes can get Longhorn recurring jobs.

    Passing: ``storage: longhorn`` and ``methods: [longhorn]``.
    Failing: ``storage: synology-csi`` and ``methods: [longhorn]``.
    """
    for source in context.policies.services:
        spec = source.policy.spec
        if spec.methods and "longhorn" in spec.methods and spec.storage != "longhorn":
            index = spec.methods.index("longhorn")
            yield source.doc.diagnostic(
                ("spec", "methods", index),
                "BP311",
                f"longhorn jobs need storage: longhorn, but storage is {spec.storage}",
                "remove longhorn from methods or fix storage",
            )


@rule("BP312", "volume-kind")
def volume_kind(context: RuleContext) -> Iterator[Diagnostic]:
    """A volume is exactly one of a PersistentVolumeClaim or an emptyDir.

    Passing: ``{name: data, claim: paperless-data}``.
    Failing: ``{name: data}`` or ``{name: data, claim: x, emptyDir: true}``.
    """
    for source in context.policies.services:
        for index, volume in enumerate(source.policy.spec.volumes):
            if bool(volume.claim) == volume.empty_dir:
                yield source.doc.diagnostic(
                    ("spec", "volumes", index),
                    "BP312",
                    f"volume {volume.name!r} must set exactly one of claim or emptyDir: true",
                    "name the PVC with claim:, or set emptyDir: true",
                )


@rule("BP316", "duplicate-volume")
def duplicate_volume(context: RuleContext) -> Iterator[Diagnostic]:
    """Volume names (and claims) are unique within a service.

    Passing: volumes ``data`` and ``media``.  Failing: two volumes named ``data``.
    """
    for source in context.policies.services:
        names: set[tuple[str, str]] = set()
        for index, volume in enumerate(source.policy.spec.volumes):
            for label, value in (("name", volume.name), ("claim", volume.claim)):
                if value and (label, value) in names:
                    yield source.doc.diagnostic(
                        ("spec", "volumes", index, label),
                        "BP316",
                        f"volume {label} {value!r} appears twice",
                    )
                names.add((label, value or ""))


@rule("BP313", "sqlite-volume")
def sqlite_volume(context: RuleContext) -> Iterator[Diagnostic]:
    """An SQLite database lives on a declared volume, under its mountPath.

    Passing: ``volumes: [{name: data, claim: x, mountPath: /data}]`` and
    ``sqlite: [{path: /data/db.sqlite3, volume: data}]``.
    Failing: ``volume: dta`` or ``path: /config/db.sqlite3`` with mountPath /data.
    """
    for source in context.policies.services:
        volumes = {v.name: v for v in source.policy.spec.volumes}
        for index, db in enumerate(source.policy.spec.sqlite):
            volume = volumes.get(db.volume)
            if volume is None:
                yield source.doc.diagnostic(
                    ("spec", "sqlite", index, "volume"),
                    "BP313",
                    f"volume {db.volume!r} is not declared",
                    did_you_mean(db.volume, volumes) or "declare it under spec.volumes",
                )
            elif volume.mount_path is None:
                position = next(i for i, v in enumerate(source.policy.spec.volumes) if v is volume)
                yield source.doc.diagnostic(
                    ("spec", "volumes", position),
                    "BP313",
                    f"volume {db.volume!r} holds an SQLite database but has no mountPath",
                    "add mountPath: so the sidecar mounts it too",
                )
            elif posixpath.commonpath([db.path, volume.mount_path]) != volume.mount_path:
                yield source.doc.diagnostic(
                    ("spec", "sqlite", index, "path"),
                    "BP313",
                    f"{db.path} is not under {volume.mount_path}, "
                    f"the mountPath of volume {db.volume!r}",
                )
