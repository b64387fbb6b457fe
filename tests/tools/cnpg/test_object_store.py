"""A ``postgres:`` entry's ``objectStore``: the cluster archives to an ObjectStore of the
app's tree, none is generated, and the rules BP395-BP398 hold that store to the class's
target and retention; ``import`` writes the field for a Cluster whose plugin names one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.config import RunConfig
from compiler.core.diagnostics import Diagnostic
from compiler.core.generated import HEADER_MARK
from compiler.pipeline.build import build
from compiler.pipeline.drill import drill
from compiler.tools.cnpg import importer
from compiler.tools.cnpg.names import PLUGIN
from compiler.tree.read import read_tree
from tests.tools.cnpg.tree import APP, CLUSTER, cluster_patch, compile_tree, make_tree, objects

STORE = "web-store"
ADOPTING = [{"cluster": "web-db", "objectStore": STORE}]
OWN_ENTRY = f"""  plugins:
    - name: {PLUGIN}
      isWALArchiver: true
      parameters:
        barmanObjectName: {STORE}
        serverName: web-db
"""


def _store(
    bucket: str = "k8up",
    endpoint: str = "http://garage.storage.svc:3900",
    retention: str | None = "30d",
    name: str = STORE,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "configuration": {
            "destinationPath": f"s3://{bucket}/by-hand/web/",
            "endpointURL": endpoint,
            "s3Credentials": {
                "accessKeyId": {"name": "web-s3", "key": "AWS_ACCESS_KEY_ID"},
                "secretAccessKey": {"name": "web-s3", "key": "AWS_SECRET_ACCESS_KEY"},
            },
        }
    }
    if retention is not None:
        spec["retentionPolicy"] = retention
    return {
        "apiVersion": "barmancloud.cnpg.io/v1",
        "kind": "ObjectStore",
        "metadata": {"name": name},
        "spec": spec,
    }


def _tree(root: Path, store: dict[str, Any] | None = None, **options: Any) -> Path:
    """The cnpg tree with an adopting entry and (unless None) the app's own ObjectStore."""
    options.setdefault("postgres", ADOPTING)
    tree = make_tree(root, **options)
    if store is not None:
        app = tree / "out" / APP
        (app / "objectstore.yaml").write_text(yaml.safe_dump(store, sort_keys=False))
        kustomization = yaml.safe_load((app / "kustomization.yaml").read_text())
        kustomization["resources"].append("./objectstore.yaml")
        (app / "kustomization.yaml").write_text(yaml.safe_dump(kustomization, sort_keys=False))
    return tree


def _diagnostics(root: Path) -> list[Diagnostic]:
    result = build(RunConfig(policies=root / "policies", output=root / "out"))
    return [d for d in result.diagnostics.sorted() if d.rule.startswith("BP39")]


def test_an_adopted_store_is_named_not_generated(tmp_path: Path) -> None:
    outputs = compile_tree(_tree(tmp_path, _store())).outputs
    assert outputs is not None
    assert objects(outputs, "ObjectStore") == []
    (backup,) = objects(outputs, "ScheduledBackup")
    assert backup["metadata"]["name"] == "web-db-backup"
    assert backup["spec"]["pluginConfiguration"] == {"name": PLUGIN}
    assert [m["metadata"]["name"] for m in objects(outputs, "PodMonitor")] == ["web-db-backup"]
    (plugin,) = cluster_patch(outputs)["spec"]["plugins"]
    assert plugin["parameters"] == {"barmanObjectName": STORE, "serverName": "web-db"}
    docs = "".join(text for path, text in outputs.items() if path.endswith(".md"))
    assert f"ObjectStore apps/{STORE}" in docs  # the runbook names the store it reads


def test_a_cluster_that_already_archives_to_the_store_is_adopted(tmp_path: Path) -> None:
    tree = _tree(tmp_path, _store(), cluster_yaml=CLUSTER + OWN_ENTRY)
    outputs = compile_tree(tree).outputs
    assert outputs is not None
    patch = cluster_patch(outputs)
    assert patch == [
        {
            "op": "add",
            "path": "/spec/postgresql",
            "value": {"parameters": {"archive_timeout": "5min"}},
        }
    ]
    assert _diagnostics(tree) == []


def test_without_the_field_that_cluster_clashes_and_the_hint_names_its_store(
    tmp_path: Path,
) -> None:
    tree = _tree(
        tmp_path, _store(), postgres=[{"cluster": "web-db"}], cluster_yaml=CLUSTER + OWN_ENTRY
    )
    (found,) = _diagnostics(tree)
    assert found.rule == "BP394"
    assert f"objectStore: {STORE}" in found.hint


@pytest.mark.parametrize(
    "store, rule, words",
    [
        (None, "BP395", f"names the ObjectStore '{STORE}', which is not in the app's tree"),
        (_store(name="other"), "BP395", "which is not in the app's tree"),
        (_store(bucket="elsewhere"), "BP396", "archives to s3://elsewhere/by-hand/web/ on"),
        (_store(endpoint="https://s3.example.com"), "BP396", "not to bucket k8up on"),
        (_store(retention="7d"), "BP397", "keeps backups for 7d, class important's cnpg "),
        (_store(retention=None), "BP397", "keeps backups for ever (no retentionPolicy)"),
    ],
)
def test_a_store_that_is_not_the_policys_target_is_refused(
    store: dict[str, Any] | None, rule: str, words: str, tmp_path: Path
) -> None:
    (found,) = _diagnostics(_tree(tmp_path, store))
    assert (found.rule, found.level) == (rule, "error")
    assert found.file == "policies/services/web.yaml"
    assert words in found.message, found.message


def test_the_in_tree_method_cannot_adopt_a_store(tmp_path: Path) -> None:
    tree = _tree(tmp_path, _store(), cnpg={"method": "barmanObjectStore"})
    rules = [d.rule for d in _diagnostics(tree)]
    assert rules == ["BP392", "BP398"]


def _drill(root: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """The documents and the commands of a cnpg drill of apps/web."""
    plan = root / "policies/restore-tests.yaml"
    tests = yaml.safe_load(plan.read_text())
    tests["spec"]["tests"].append(
        {
            "id": "BT-PG-01",
            "title": "Recover web-db",
            "type": "cnpg",
            "scope": {"services": ["apps/web"]},
            "frequency": "quarterly",
            "responsible": "ops",
        }
    )
    plan.write_text(yaml.safe_dump(tests, sort_keys=False))
    config = RunConfig(policies=root / "policies", output=root / "out")
    result = drill(config, "BT-PG-01", dt.date(2026, 12, 6))
    assert not result.problems, result.diagnostics.sorted()
    docs = [d for f in result.files for d in yaml.safe_load_all((root / "out" / f).read_text())]
    steps = [s for section in result.checklist for g in section.groups for s in g.steps]
    return [d for d in docs if isinstance(d, dict)], [c for s in steps for c in s.commands]


def test_the_drill_copies_the_live_store_and_recovers_through_it(tmp_path: Path) -> None:
    documents, commands = _drill(_tree(tmp_path, _store()))
    assert [d["kind"] for d in documents if d["kind"] == "ObjectStore"] == []
    (cluster,) = [d for d in documents if d["kind"] == "Cluster"]
    origin = cluster["spec"]["externalClusters"][0]["plugin"]["parameters"]
    assert origin == {"barmanObjectName": STORE, "serverName": "web-db"}
    copy = f"kubectl -n apps get objectstores.barmancloud.cnpg.io {STORE} -o json | jq"
    assert any(c.startswith(copy) and "del(.retentionPolicy)" in c for c in commands)
    assert not any("get secret garage-s3" in c for c in commands)  # the store's own Secrets
    assert any(c.startswith("for SECRET in $(kubectl -n apps get objectstores") for c in commands)


def _imported(root: Path, store_folder: str, header: str = "") -> Any:
    app = root / "apps" / "web"
    (root / store_folder).mkdir(parents=True, exist_ok=True)
    app.mkdir(parents=True, exist_ok=True)
    (app / "cluster.yaml").write_text(CLUSTER + OWN_ENTRY)
    (root / store_folder / "objectstore.yaml").write_text(header + yaml.safe_dump(_store()))
    return importer.import_existing(read_tree(root, "."))


def test_import_adopts_a_store_of_the_clusters_folder(tmp_path: Path) -> None:
    part = _imported(tmp_path, "apps/web")
    (app,) = part.apps
    assert app.postgres == ({"cluster": "web-db", "objectStore": STORE},)
    assert any(f"adopted (objectStore: {STORE})" in n.message for n in part.reported)


def test_import_leaves_a_store_of_another_folder_to_the_generated_one(tmp_path: Path) -> None:
    part = _imported(tmp_path, "apps/shared")
    (app,) = part.apps
    assert app.postgres == ({"cluster": "web-db"},)
    assert any("the generated ObjectStore writes" in n.message for n in part.reported)


def test_import_leaves_a_store_an_earlier_compile_wrote_to_the_compiler(tmp_path: Path) -> None:
    part = _imported(tmp_path, "apps/web/backup", f"{HEADER_MARK} from:\n---\n")
    (app,) = part.apps
    assert app.postgres == ({"cluster": "web-db"},)
