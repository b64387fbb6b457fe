"""Stages 1+2 for a folder: every file loaded and validated, policies sorted by kind."""

from __future__ import annotations

import shutil
from pathlib import Path

from compiler.load import Document
from compiler.policies import credential_problems, load_policies
from compiler.registry import DEFAULT

BASE = Path(__file__).parent / "cases" / "base" / "policies"


def _folder(tmp_path: Path) -> Path:
    shutil.copytree(BASE, tmp_path / "policies")
    return tmp_path / "policies"


def test_a_valid_folder(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    other = (
        (folder / "services" / "web.yaml")
        .read_text()
        .replace("name: web\n  namespace: apps", "name: aaa\n  namespace: zz")
    )
    (folder / "services" / "0-first-file.yaml").write_text(other)
    policies, problems = load_policies(folder, tmp_path, DEFAULT.kinds.by_kind)
    assert problems == [] and policies is not None
    assert policies.cluster.file == "policies/cluster.yaml"
    assert policies.restore_plan is not None
    assert [s.policy.key for s in policies.services] == ["apps/web", "zz/aaa"]  # by key


def test_missing_folder(tmp_path: Path) -> None:
    policies, [problem] = load_policies(tmp_path / "nope", tmp_path, DEFAULT.kinds.by_kind)
    assert policies is None
    assert (problem.file, problem.line, problem.col, problem.rule) == ("nope", 1, 1, "BP103")


def test_no_cluster_policy(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "cluster.yaml").unlink()
    policies, [problem] = load_policies(folder, tmp_path, DEFAULT.kinds.by_kind)
    assert policies is None
    assert (problem.file, problem.rule, problem.message) == (
        "policies",
        "BP111",
        "no ClusterPolicy found",
    )


def test_two_cluster_policies(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    shutil.copy(folder / "cluster.yaml", folder / "z-cluster.yaml")
    _, [problem] = load_policies(folder, tmp_path, DEFAULT.kinds.by_kind)
    assert (problem.file, problem.line, problem.col, problem.rule) == (
        "policies/z-cluster.yaml",
        2,
        7,
        "BP111",
    )
    assert "policies/cluster.yaml" in problem.message


def test_an_invalid_cluster_policy_is_not_also_a_missing_one(tmp_path: Path) -> None:
    """cluster.yaml exists but has an unknown key: report that key, not 'no ClusterPolicy'."""
    folder = _folder(tmp_path)
    cluster = folder / "cluster.yaml"
    cluster.write_text(cluster.read_text().replace("  timezone: UTC", "  timezone: UTC\n  tz: x"))
    policies, problems = load_policies(folder, tmp_path, DEFAULT.kinds.by_kind)
    assert policies is None
    assert [(p.file, p.rule) for p in problems] == [("policies/cluster.yaml", "BP200")]


def test_problems_of_every_file_are_collected(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "services" / "a.yaml").write_text("a: [\n")
    (folder / "services" / "b.yaml").write_text("")
    (folder / "services" / "c.yaml").write_text("apiVersion: x\nkind: Y\n")
    policies, problems = load_policies(folder, tmp_path, DEFAULT.kinds.by_kind)
    assert policies is None
    assert sorted((p.file, p.rule) for p in problems) == [
        ("policies/services/a.yaml", "BP100"),
        ("policies/services/b.yaml", "BP102"),
        ("policies/services/c.yaml", "BP110"),
        ("policies/services/c.yaml", "BP110"),
    ]


TOKEN = "q7Hk2ZpX9wLr4TbN8vYc3Jd"  # a random-looking token (not a real credential)


def test_credentials_are_found_by_the_keys_above_them_at_any_depth() -> None:
    """BP365: an inline key field with any value; a random token below a secret-like key,
    however deep and through lists; the same token below ordinary keys is not one."""
    data = {
        "spec": {
            "targets": [{"s3": {"secretAccessKey": "short"}}],
            "apiToken": {"items": [{"value": TOKEN}, "plain"]},
            "owner": TOKEN,
            "notes": ["nothing here", {"password": ["a", [TOKEN]]}],
        }
    }
    found = [(d.rule, d.message.split(":")[0]) for d in credential_problems(Document("p", data))]
    assert found == [
        ("BP365", "spec.targets.0.s3.secretAccessKey"),
        ("BP365", "spec.apiToken.items.0.value"),
        ("BP365", "spec.notes.1.password.1.0"),
    ]
    assert all(TOKEN not in d.message for d in credential_problems(Document("p", data)))
