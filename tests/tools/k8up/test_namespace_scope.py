"""``k8up.scope: namespace``: one K8up Schedule per namespace and class, and BP342.

On the acceptance case ``k8up-namespace-scope`` (services web and api of namespace apps,
class important): the compile plans one Schedule in the shared folder that selects both
services' PVCs, ``explain`` gives each PVC that Schedule's cron, the alerts stay per service,
and ``scope: service`` (the default) compiles byte for byte what an absent scope does. Two
Schedules of one restic repository (the same bucket at the same endpoint, named by two
targets) with the same pinned prune are BP342; on another bucket they are not.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from compiler.core.yamlread import load_documents
from compiler.tools.k8up.schedule import FOLDER
from tests.conftest import RunCli
from tests.test_cases import _diagnostics, _tree, materialise

CASES = Path(__file__).parents[2] / "cases"
CASE = CASES / "valid" / "k8up-namespace-scope"
SCOPE = "        scope: namespace\n"


def _compiled(tmp: Path, run_cli: RunCli) -> Path:
    root = materialise(CASE, tmp)
    result = run_cli("compile", cwd=root)
    assert result.exit_code == 0, result.output
    return root


def _schedules(root: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted((root / "out").rglob("*.yaml")):
        for doc in load_documents(path.read_text()):
            if isinstance(doc, dict) and doc.get("kind") == "Schedule":
                found[path.relative_to(root / "out").as_posix()] = doc
    return found


def test_one_schedule_selects_the_pvcs_of_every_service_of_the_namespace(
    tmp_path: Path, run_cli: RunCli
) -> None:
    schedules = _schedules(_compiled(tmp_path, run_cli))
    assert list(schedules) == [f"{FOLDER}/apps-bp-namespace-important.yaml"]
    spec = next(iter(schedules.values()))["spec"]
    selector = spec["backup"]["labelSelectors"][0]["matchExpressions"][0]
    assert selector == {
        "key": "backup-policy.io/service",
        "operator": "In",
        "values": ["api", "web"],
    }
    assert spec["prune"]["schedule"] == "0 10 * * 6"


def test_explain_gives_each_pvc_the_namespace_schedule(tmp_path: Path, run_cli: RunCli) -> None:
    root = _compiled(tmp_path, run_cli)
    cron = next(iter(_schedules(root).values()))["spec"]["backup"]["schedule"]
    for service in ("apps/web", "apps/api"):
        result = run_cli("explain", service, "--format", "json", cwd=root)
        assert result.exit_code == 0, result.output
        items = json.loads(result.output)["services"][0]["items"]
        k8up = [c for i in items for c in i["copies"] if c["method"] == "k8up"]
        assert [c["schedule"] for c in k8up] == [cron]
        assert k8up[0]["note"] == "namespace Schedule apps/bp-namespace-important"
        text = run_cli("explain", service, cwd=root).output
        assert f"schedule '{cron}'" in text and "bp-namespace-important" in text


def test_alerts_stay_per_service(tmp_path: Path, run_cli: RunCli) -> None:
    root = _compiled(tmp_path, run_cli)
    for name in ("web", "api"):
        rules = root / f"out/kubernetes/apps/apps/{name}/backup/prometheusrule.yaml"
        text = rules.read_text()
        assert "alert: K8upBackupStale" in text
        assert f"backup_policy_service: apps/{name}" in text
        assert f"K8up backup of apps/{name} is stale" in text


def test_scope_service_is_the_default(tmp_path: Path, run_cli: RunCli) -> None:
    trees: list[dict[str, bytes]] = []
    for scope in ("", "        scope: service\n"):
        root = materialise(CASE, tmp_path / str(len(trees)))
        cluster = root / "policies" / "cluster.yaml"
        cluster.write_text(cluster.read_text().replace(SCOPE, scope))
        cluster.write_text(cluster.read_text().replace('"0 10 * * 6"', "H H(8-20) * * 6"))
        result = run_cli("compile", cwd=root)
        assert result.exit_code == 0, result.output
        trees.append(_tree(root / "out"))
    assert trees[0] == trees[1]
    assert sorted(k for k in trees[0] if "k8up-schedule" in k) == [
        "kubernetes/apps/apps/api/backup/k8up-schedule.yaml",
        "kubernetes/apps/apps/web/backup/k8up-schedule.yaml",
    ]


def _two_targets(tmp: Path, bucket: str) -> list[str]:
    """web (important) on garage, api (critical) on garage-copy: both prune at 10:00."""
    root = materialise(CASE, tmp)
    cluster = root / "policies" / "cluster.yaml"
    text = cluster.read_text().replace(SCOPE, "")
    copy = text[text.index("    garage:\n") : text.index("    nas:\n")]
    copy = copy.replace("    garage:", "    garage-copy:").replace("bucket: k8up", bucket)
    text = text.replace("    nas:\n", copy + "    nas:\n", 1)
    pinned = "      k8up:\n        target: garage{}\n"
    pinned += "        check: H H(8-20) * * 0\n        prune: {}\n"
    critical = pinned.format("", "H H(8-20) * * 6") + "    important:"
    assert critical in text
    text = text.replace(critical, pinned.format("-copy", '"0 10 * * 6"') + "    important:")
    cluster.write_text(text)
    api = root / "policies" / "services" / "api.yaml"
    api.write_text(api.read_text().replace("important", "critical"))
    return [line for line in _diagnostics(root) if "BP342" in line]


def test_two_targets_of_one_repository_collide(tmp_path: Path) -> None:
    assert len(_two_targets(tmp_path / "same", "bucket: k8up")) == 1
    assert _two_targets(tmp_path / "other", "bucket: k8up-critical") == []
