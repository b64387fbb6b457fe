"""``backup-policy coverage``: every PVC and replicated database, and what protects it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import RunCli, realworld_dir, require_tool
from tests.litestream.example import edit_yaml

ABS = "policies/services/audiobookshelf.yaml"


def test_the_example_is_covered(example: Path, run_cli: RunCli) -> None:
    result = run_cli("coverage", cwd=example)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == [
        "NAMESPACE", "APP", "ITEM", "STORAGE", "CLASS", "STATE", "METHODS", "RPO", "/", "REASON"
    ]  # fmt: skip
    rows = {line.split()[2]: line.split() for line in lines[1:-1]}
    assert rows["pvc/audiobookshelf-cache"][:5] == [
        "media", "audiobookshelf", "pvc/audiobookshelf-cache", "longhorn", "exempt"
    ]  # fmt: skip
    assert any(line.endswith("transcoding and cover cache, rebuilt on demand") for line in lines)
    config = rows["pvc/audiobookshelf-config"]
    assert config[3:5] == ["longhorn", "covered"] and config[-1] == "1d"
    assert rows["sqlite:/config/absdatabase.sqlite"][-1] == "10s"
    # a CloudNativePG cluster, declared in the tool's own block: WAL archived every 5m
    assert rows["postgres:miniflux-db"][3:] == ["-", "covered", "cnpg", "5m"]
    assert lines[-1].startswith("covered ") and ", exempt 1, uncovered 0, unknown 0" in lines[-1]


def test_json_is_one_document(example: Path, run_cli: RunCli) -> None:
    result = run_cli("coverage", "--format", "json", cwd=example)
    document = json.loads(result.output)
    assert document["command"] == "coverage"
    assert document["totals"]["exempt"] == 1 and document["totals"]["uncovered"] == 0
    (cache,) = [i for i in document["items"] if i["item"] == "audiobookshelf-cache"]
    assert cache == {
        "namespace": "media",
        "app": "audiobookshelf",
        "kind": "pvc",
        "item": "audiobookshelf-cache",
        "storageClass": "longhorn",
        "state": "exempt",
        "service": "media/audiobookshelf",
        "methods": [],
        "effectiveRpoSeconds": None,
        "reason": "transcoding and cover cache, rebuilt on demand",
        "file": "kubernetes/apps/media/audiobookshelf/app/helmrelease.yaml",
        "source": "persistence.cache of HelmRelease audiobookshelf",
    }


def test_a_missing_tree_is_a_usage_error(example: Path, run_cli: RunCli) -> None:
    result = run_cli("coverage", "-o", "nope", cwd=example)
    assert result.exit_code == 2 and "--output: no folder at nope" in result.output


def test_an_uncovered_pvc_warns_and_fails_strict(example: Path, run_cli: RunCli) -> None:
    edit_yaml(example / ABS, lambda data: data["spec"].pop("exempt"))
    result = run_cli("coverage", cwd=example)
    assert result.exit_code == 0
    assert "warning [BP420] media/audiobookshelf: PVC 'audiobookshelf-cache'" in result.output
    assert result.output.splitlines()[-1].endswith("exempt 0, uncovered 1, unknown 0")
    assert run_cli("coverage", "--strict", cwd=example).exit_code == 1
    check = run_cli("validate", cwd=example)  # a tree rule: validate never reads the tree
    assert "BP420" not in check.output


def test_without_policies_the_tree_is_named(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli("coverage", cwd=tmp_path)
    assert result.exit_code == 2
    assert "name the tree with --output" in result.output


TOTALS = {
    "kelchm__home-lab": {"covered": 0, "exempt": 0, "uncovered": 0, "unknown": 1},
    "ricsanfre__pi-cluster": {"covered": 0, "exempt": 0, "uncovered": 0, "unknown": 0},
    "small-hack__argocd-apps": {"covered": 0, "exempt": 0, "uncovered": 0, "unknown": 0},
    "tuxpeople__k8s-homelab": {"covered": 0, "exempt": 0, "uncovered": 6, "unknown": 0},
    # 45 PVCs and its 2 CloudNativePG Clusters
    "tyriis__home-ops": {"covered": 0, "exempt": 0, "uncovered": 47, "unknown": 0},
}


@pytest.mark.parametrize("tree", sorted(TOTALS))
def test_a_real_tree_without_policies(tree: str, tmp_path: Path, run_cli: RunCli) -> None:
    """Read in place: nothing is written, so the tree may be outside the repository."""
    root = realworld_dir() / tree
    require_tool(f"the real-world fixture {root}", root.is_dir())
    result = run_cli("coverage", "--output", str(root), "--format", "json", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["totals"] == TOTALS[tree]
    warned = [d for d in document["diagnostics"] if d["rule"] == "BP420"]
    assert len(warned) == TOTALS[tree]["uncovered"]
