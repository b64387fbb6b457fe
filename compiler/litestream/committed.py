"""Checks against the tree the output is written to (they need its root, unlike rules).

- BP368 litestream-migration: the committed Litestream ConfigMap has another major format than
  the new compile (0.3 <-> 0.5). 0.5 cannot read 0.3 replicas (nor back): the restore init
  container finds "no replica", ``-if-replica-exists`` lets the app start on whatever is on
  disk, an empty database on an emptyDir. Refused unless the service policy sets
  ``spec.litestream.acknowledgeMigration: true``.
- BP371 litestream-post-renderers: the app's HelmRelease and ``existingPostRenderers`` disagree;
  creating the list would replace the user's post-renderers, appending to a missing list makes
  kustomize fail.
- BP372 litestream-chart-target: see :mod:`compiler.litestream.chartcheck`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from compiler.diagnostics import Diagnostic
from compiler.handwritten import mapping_at, yaml_documents
from compiler.litestream import CONFIG_FILE, CONFIG_KEY, VERSION_LABEL, service_version
from compiler.litestream.chartcheck import chart_target_checks
from compiler.litestream.helmchart import find_helmrelease
from compiler.write import is_generated

if TYPE_CHECKING:
    from compiler.analyse import Analysis
    from compiler.analyse.effective import EffectiveService


def _format_of(config_map: dict[str, Any]) -> str | None:
    """The format from the version label, else from the config's shape (replica/replicas)."""
    labels = mapping_at(config_map, "metadata", "labels")
    if labels.get(VERSION_LABEL) in {"0.3", "0.5"}:
        return str(labels[VERSION_LABEL])
    text = mapping_at(config_map, "data").get(CONFIG_KEY)
    try:
        config = YAML(typ="safe", pure=True).load(text) if isinstance(text, str) else None
    except YAMLError:
        return None
    dbs = config.get("dbs") if isinstance(config, dict) else None
    if not isinstance(dbs, list) or not dbs or not isinstance(dbs[0], dict):
        return None
    return "0.5" if "replica" in dbs[0] else "0.3" if "replicas" in dbs[0] else None


def committed_version(root: Path, app_dir: str) -> str | None:
    """The Litestream format of the generated ConfigMap on disk, if there is one."""
    path = root / app_dir / "backup" / CONFIG_FILE
    if not path.is_file() or not is_generated(path):
        return None
    for document in yaml_documents(path):
        if document.get("kind") == "ConfigMap":
            return _format_of(document)
    return None


def _migration(root: Path, analysis: Analysis, service: EffectiveService) -> Iterator[Diagnostic]:
    from compiler.plan.apps import app_dir

    new = service_version(analysis.policies.cluster.policy.spec, service)
    old = committed_version(root, app_dir(service))
    override = service.source.policy.spec.litestream
    if old is None or new is None or old == new:
        return
    if override is not None and override.acknowledge_migration:
        return
    yield service.source.doc.diagnostic(
        ("spec", "litestream", "version"),
        "BP368",
        f"Litestream format changes from {old} to {new} for {service.key}: {new} cannot read "
        f"the {old} replicas, so a restore before the first {new} sync finds no replica and "
        "the app starts on what is on disk (an empty database on an emptyDir)",
        "keep the version, or migrate deliberately and set spec.litestream.acknowledgeMigration:"
        " true",
    )


def _post_renderers(
    release: dict[str, Any], service: EffectiveService, where: str
) -> Iterator[Diagnostic]:
    workload = service.source.policy.spec.workload
    has = bool(mapping_at(release, "spec").get("postRenderers"))
    if has == workload.existing_post_renderers:
        return
    message = (
        f"HelmRelease {workload.name!r} ({where}) has spec.postRenderers: the generated "
        "post-renderer would replace them"
        if has
        else f"HelmRelease {workload.name!r} ({where}) has no spec.postRenderers to append to"
    )
    yield service.source.doc.diagnostic(
        ("spec", "workload", "existingPostRenderers"),
        "BP371",
        message,
        f"set workload.existingPostRenderers: {'true' if has else 'false'}",
    )


def committed_checks(root: Path, analysis: Analysis) -> list[Diagnostic]:
    """BP368, BP371 and BP372 for every service with SQLite databases."""
    from compiler.plan.apps import app_dir

    found: list[Diagnostic] = []
    for service in analysis.services:
        spec = service.source.policy.spec
        if not spec.sqlite:
            continue
        found.extend(_migration(root, analysis, service))
        if spec.workload.kind != "HelmRelease":
            continue
        release = find_helmrelease(root, app_dir(service), spec.workload.name)
        if release is not None:
            path, document = release
            found.extend(_post_renderers(document, service, f"under {app_dir(service)}"))
            found.extend(chart_target_checks(path, document, service))
    return found
