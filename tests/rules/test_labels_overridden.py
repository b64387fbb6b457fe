"""BP414: an app's own patch that replaces a chart PVC's labels after the backup Component."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import RunCli
from tests.support.validation import kustomize_build

APP = "out/kubernetes/apps/media/audiobookshelf/app"
SOURCE = "recurring-job.longhorn.io/source"
ITEM = '{"storageClass": "longhorn", "accessMode": "ReadWriteOnce", "size": "2Gi"}'
REPLACE = (
    '  - target: {kind: HelmRelease, name: audiobookshelf}\n    patch: \'[{"op": "replace", '
    f'"path": "/spec/values/persistence/config", "value": {ITEM}}}]\'\n'
)
RESIZE = (
    "  - target: {kind: HelmRelease, name: audiobookshelf}\n    patch: |\n"
    "      apiVersion: helm.toolkit.fluxcd.io/v2\n      kind: HelmRelease\n"
    "      metadata: {name: audiobookshelf}\n"
    "      spec: {values: {persistence: {config: {size: 5Gi}}}}\n"
)


def _patched(example: Path, patch: str) -> None:
    kustomization = example / APP / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text() + "patches:\n" + patch)


def _config(example: Path, kubectl: str) -> dict[str, object]:
    built = yaml.safe_load_all(kustomize_build(example / APP, kubectl=kubectl))
    (release,) = [d for d in built if d and d["kind"] == "HelmRelease"]
    config: dict[str, object] = release["spec"]["values"]["persistence"]["config"]
    return config


@pytest.mark.integration
def test_a_patch_that_replaces_the_item_after_the_component_is_refused(
    example: Path, run_cli: RunCli, kubectl: str
) -> None:
    """The replace runs after the backup Component (kustomize applies a kustomization's own
    patches after its Components): the built release's config item has no labels."""
    _patched(example, REPLACE)
    assert "labels" not in _config(example, kubectl)
    result = run_cli("check", cwd=example)
    assert result.exit_code == 1
    (line,) = [line for line in result.output.splitlines() if "[BP414]" in line]
    assert line.startswith("policies/services/audiobookshelf.yaml:20:14: error [BP414]")
    assert "persistence.config.labels of HelmRelease audiobookshelf" in line


@pytest.mark.integration
def test_a_patch_that_merges_other_fields_keeps_the_labels(
    example: Path, run_cli: RunCli, kubectl: str
) -> None:
    _patched(example, RESIZE)
    config = _config(example, kubectl)
    assert config["size"] == "5Gi"
    labels = config["labels"]
    assert isinstance(labels, dict) and labels[SOURCE] == "enabled"
    assert run_cli("check", "-q", cwd=example).exit_code == 0
