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


def flux_applied(result: BuildResult, path: str) -> str:
    """The generated file ``path`` as Flux applies it, judged from the tree, not from the
    compiler: the nearest ``ks.yaml`` above the file (the generated ones among the outputs,
    the app's own in the tree), else the cluster's entry (``kubernetes/flux/cluster/ks.yaml``,
    cluster-apps). Flux substitutes only when that Kustomization has a postBuild variable;
    otherwise ``$${VAR}`` stays as written, and so does the text."""
    assert result.outputs is not None and result.output_root is not None
    folder = path.rsplit("/", 1)[0]
    while folder and f"{folder}/ks.yaml" not in result.outputs:
        if (result.output_root / folder / "ks.yaml").is_file():
            break
        folder = folder.rpartition("/")[0]
    ks = f"{folder}/ks.yaml" if folder else "kubernetes/flux/cluster/ks.yaml"
    text = result.outputs.get(ks) or (result.output_root / ks).read_text()
    post = [d.get("spec", {}).get("postBuild") or {} for d in load_all(text) if d]
    substituted = any(p.get("substitute") or p.get("substituteFrom") for p in post)
    return flux_substitute(result.outputs[path]) if substituted else result.outputs[path]


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


def litestream_apps(result: BuildResult) -> dict[str, AppLitestream]:
    """app dir -> its Litestream ConfigMap content and pod patch, for every generated config,
    as Flux applies them (:func:`flux_applied`)."""
    assert result.outputs is not None
    outputs = result.outputs
    apps = {}
    for path in sorted(outputs):
        if not path.endswith("/backup/litestream-config.yaml"):
            continue
        config_map = load_all(flux_applied(result, path))[0]
        config_text = config_map["data"]["litestream.yml"]
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
