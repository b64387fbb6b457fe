"""What a Flux HelmRelease of bjw-s app-template renders, worked out from the committed tree.

The Litestream post-renderer patch targets the workload by kind and name. If nothing in the
chart's output has that name, kustomize applies the patch to nothing and says nothing: the app
runs without its sidecar and no backup is taken. For app-template (3.x and 4.x) the names
follow fixed rules, so the compiler can work them out from the release's values and compare.

Values are taken as Helm merges them: each ``valuesFrom`` ConfigMap in order (read from the
``configMapGenerator`` of the release's kustomization), then ``spec.values`` on top. When a
source cannot be read here (a Secret, a ConfigMap from elsewhere, a templated name), the
render is unknown and nothing is claimed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compiler.handwritten import mapping_at, yaml_documents
from compiler.write import is_generated

KINDS = {
    "deployment": "Deployment",
    "statefulset": "StatefulSet",
    "daemonset": "DaemonSet",
    "cronjob": "CronJob",
    "job": "Job",
}


@dataclass(frozen=True)
class Controller:
    identifier: str
    kind: str
    name: str
    containers: tuple[str, ...]


@dataclass(frozen=True)
class ChartRender:
    """The workloads and pod volumes app-template renders for one release."""

    chart: str
    controllers: tuple[Controller, ...]
    volumes: tuple[str, ...]

    def controller(self, identifier: str) -> Controller | None:
        return next((c for c in self.controllers if c.identifier == identifier), None)


def _load(path: Path) -> Any:
    documents = yaml_documents(path)
    return documents[0] if len(documents) == 1 else None


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """Helm's coalescing of two values maps: maps merge, anything else is replaced."""
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _generated_config_map(folder: Path, name: str, key: str) -> dict[str, Any] | None:
    """The values under ``key`` of ConfigMap ``name`` from the folder's configMapGenerator."""
    kustomization = _load(folder / "kustomization.yaml")
    if not isinstance(kustomization, dict):
        return None
    generators = kustomization.get("configMapGenerator")
    for generator in generators if isinstance(generators, list) else []:
        if not isinstance(generator, dict) or generator.get("name") != name:
            continue
        for entry in generator.get("files") or []:
            file_key, _, file_path = str(entry).rpartition("=")
            if (file_key or Path(file_path).name) == key:
                values = _load(folder / file_path)
                return values if isinstance(values, dict) else None
    return None


def release_values(folder: Path, release: dict[str, Any]) -> dict[str, Any] | None:
    """The merged values of ``release`` (found in ``folder``), or None if not all are here."""
    spec = mapping_at(release, "spec")
    merged: dict[str, Any] = {}
    sources = spec.get("valuesFrom") or []
    for source in sources if isinstance(sources, list) else [None]:
        if not isinstance(source, dict) or source.get("kind") != "ConfigMap":
            return None
        found = _generated_config_map(
            folder, str(source.get("name")), str(source.get("valuesKey") or "values.yaml")
        )
        if found is None:
            if source.get("optional") is True:
                continue
            return None
        target = source.get("targetPath")
        if target:
            return None  # a value placed at a dotted path: rare, and not worth guessing
        merged = _merge(merged, found)
    inline = spec.get("values") or {}
    return _merge(merged, inline) if isinstance(inline, dict) else None


def _app_template_major(release: dict[str, Any]) -> int | None:
    chart = mapping_at(release, "spec", "chart", "spec")
    if chart.get("chart") != "app-template":
        return None
    major = str(chart.get("version") or "").lstrip("v").split(".")[0]
    return int(major) if major in {"3", "4"} else None


def _trunc(name: str) -> str:
    return name[:63].rstrip("-")


def _fullname(release_name: str, values: dict[str, Any]) -> str:
    """app-template sets global.nameOverride to the release name unless the user set one."""
    global_values = mapping_at(values, "global")
    override = global_values.get("fullnameOverride") or values.get("fullnameOverride")
    if override:
        return _trunc(str(override))
    name = _trunc(str(global_values.get("nameOverride") or release_name))
    return _trunc(release_name if name in release_name else f"{release_name}-{name}")


def _enabled(items: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(items, dict):
        return {}
    return {
        str(key): value
        for key, value in items.items()
        if isinstance(value, dict) and value.get("enabled", True) is not False
    }


def _name_v3(fullname: str, identifier: str, values: dict[str, Any], count: int) -> str:
    override = values.get("nameOverride")
    if override:
        return fullname if override == fullname else f"{fullname}-{override}"
    if count > 1 and identifier != fullname:
        return f"{fullname}-{identifier}"
    return fullname


def _name_v4(
    fullname: str, identifier: str, values: dict[str, Any], count: int, always: bool
) -> str:
    if values.get("forceRename"):
        return str(values["forceRename"]).lower()
    name = fullname
    prefix = values.get("prefix")
    if prefix and prefix != name:
        name = f"{prefix}-{name}"
    if (count > 1 or always) and not name.endswith(f"-{identifier}") and identifier != name:
        name = f"{name}-{identifier}"
    suffix = values.get("suffix")
    if suffix and not name.endswith(f"-{suffix}"):
        name = f"{name}-{suffix}"
    return name.lower()


def _release_name(release: dict[str, Any]) -> str:
    spec = mapping_at(release, "spec")
    name = str(mapping_at(release, "metadata").get("name") or "")
    if spec.get("releaseName"):
        return str(spec["releaseName"])
    return f"{spec['targetNamespace']}-{name}" if spec.get("targetNamespace") else name


def find_helmrelease(root: Path, app_dir: str, name: str) -> tuple[Path, dict[str, Any]] | None:
    """The file and document of the app's hand-written HelmRelease ``name`` (not in backup/)."""
    base = root / app_dir
    if not base.is_dir():
        return None
    for path in sorted(base.rglob("*.y*ml")):
        rel = path.relative_to(base).as_posix()
        if rel.startswith("backup/") or is_generated(path):
            continue
        for document in yaml_documents(path):
            metadata = mapping_at(document, "metadata")
            if document.get("kind") == "HelmRelease" and metadata.get("name") == name:
                return path, document
    return None


def app_template_render(folder: Path, release: dict[str, Any]) -> ChartRender | None:
    """The controllers and volumes app-template renders, or None when it cannot be known."""
    major = _app_template_major(release)
    values = release_values(folder, release) if major is not None else None
    if major is None or values is None or "{{" in str(values.get("global") or ""):
        return None
    release_name = _release_name(release)
    if len(release_name) > 53:
        return None  # Flux shortens such names with a hash
    fullname = _fullname(release_name, values)
    controllers = _enabled(values.get("controllers"))
    always = bool(mapping_at(values, "global").get("alwaysAppendIdentifierToResourceName"))
    rendered = []
    for identifier, spec in sorted(controllers.items()):
        if major == 3:
            name = _name_v3(fullname, identifier, spec, len(controllers))
        else:
            name = _name_v4(fullname, identifier, spec, len(controllers), always)
        kind = KINDS.get(str(spec.get("type") or "deployment"), str(spec.get("type")))
        containers = tuple(sorted(_enabled(spec.get("containers"))))
        rendered.append(Controller(identifier, kind, name, containers))
    chart = f"app-template {major}.x"
    return ChartRender(chart, tuple(rendered), tuple(sorted(_enabled(values.get("persistence")))))
