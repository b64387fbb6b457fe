"""Compile (copies of) the example homelab and pick the Litestream parts out of the result."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from compiler.config import RunConfig
from compiler.core.diagnostics import Diagnostic
from compiler.pipeline.build import BuildResult, build
from tests.support.files import REPO as REPO
from tests.support.files import copy_example as copy_example
from tests.support.files import load_all as load_all


def compile_tree(root: Path) -> BuildResult:
    return build(RunConfig(policies=root / "policies", output=root / "out"))


def errors(result: BuildResult) -> list[Diagnostic]:
    return [d for d in result.diagnostics.sorted() if d.level == "error"]


def edit_yaml(path: Path, change: Any) -> None:
    """Round-trip edit of a policy file: ``change(data)`` mutates the loaded mapping."""
    yaml = YAML(typ="rt")
    data = yaml.load(path.read_text())
    change(data)
    with path.open("w") as handle:
        yaml.dump(data, handle)


def flux_substitute(text: str) -> str:
    """What Flux post-build substitution does to an escaped ``$${VAR}``: it becomes ``${VAR}``."""
    return text.replace("$${", "${")


@dataclass(frozen=True)
class AppLitestream:
    """One app's generated Litestream pieces, as the cluster would see them after Flux."""

    app_dir: str
    config: dict[str, Any]
    config_text: str
    version: str
    pod_patch: dict[str, Any]

    def container(self, name: str) -> dict[str, Any]:
        spec = self.pod_patch["spec"]["template"]["spec"]
        found = [c for c in spec["containers"] + spec["initContainers"] if c["name"] == name]
        assert len(found) == 1, name
        return dict(found[0])


def _pod_patch(outputs: dict[str, str], base: str) -> dict[str, Any]:
    patch = load_all(outputs[f"{base}/patches/litestream.yaml"])[0]
    if isinstance(patch, dict) and patch.get("kind") == "HelmRelease":
        inner = patch["spec"]["postRenderers"][0]["kustomize"]["patches"][0]["patch"]
        return dict(load_all(inner)[0])
    if isinstance(patch, list):  # JSON6902 append
        return dict(load_all(patch[0]["value"]["kustomize"]["patches"][0]["patch"])[0])
    return dict(patch)


def litestream_apps(outputs: dict[str, str]) -> dict[str, AppLitestream]:
    """app dir -> its Litestream ConfigMap content and pod patch, for every generated config."""
    apps = {}
    for path, text in sorted(outputs.items()):
        if not path.endswith("/backup/litestream-config.yaml"):
            continue
        config_map = load_all(text)[0]
        config_text = flux_substitute(config_map["data"]["litestream.yml"])
        base = path.rsplit("/", 1)[0]
        app_dir = base.rsplit("/", 1)[0]
        apps[app_dir] = AppLitestream(
            app_dir,
            YAML(typ="safe", pure=True).load(config_text),
            config_text,
            config_map["metadata"]["labels"]["backup-policy.io/litestream-version"],
            _pod_patch(outputs, base),
        )
    return apps
