"""``backup-policy import`` of the example's own compiled tree (out/), of a small CNPG tree,
through the CLI, and the refusal to overwrite a policy."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from compiler.config import RunConfig
from compiler.pipeline import importer
from compiler.pipeline.build import build
from compiler.pipeline.import_compose import Composed, compose
from compiler.pipeline.validate import validate
from tests.conftest import REPO, RunCli
from tests.importer.helpers import realworld_copy, run_import
from tests.support.validation.kustomize import kustomize_build

Protection = dict[tuple[str, str, str], tuple[tuple[str, ...], int | None]]


def _protection(policies: Path) -> Protection:
    analysis = validate(RunConfig(policies=policies)).analysis
    assert analysis is not None
    return {
        (c.service.namespace, c.service.name, c.item.key): (
            tuple(sorted({copy.method for copy in c.copies if copy.counts})),
            c.effective_rpo,
        )
        for c in analysis.coverage
    }


@pytest.fixture
def imported_example(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "out", tmp_path / "out")
    (tmp_path / ".git").mkdir()
    result = run_import(tmp_path / "out", tmp_path / "policies")
    assert [d.render() for d in result.diagnostics.items if d.level == "error"] == []
    assert [row for row in result.compared if row.lost] == []
    return tmp_path


def test_the_example_round_trip_protects_every_item_as_well(imported_example: Path) -> None:
    before, after = _protection(REPO / "policies"), _protection(imported_example / "policies")
    losses = {}
    for key, (methods, rpo) in before.items():
        now, now_rpo = after[key]
        assert rpo is None or (now_rpo is not None and now_rpo <= rpo), key
        if set(methods) - set(now):
            losses[key] = ", ".join(sorted(set(methods) - set(now)))
    # the chart-created PVCs keep their Longhorn group (labels in the release's values), and
    # python-ipam's database its consistent K8up dump (k8up.sqliteDump)
    assert losses == {}


def test_compile_fix_after_the_import_builds_with_kustomize(
    imported_example: Path, kubectl: str, run_cli: RunCli
) -> None:
    result = run_cli("compile", "--fix", cwd=imported_example)
    assert result.exit_code == 0, result.output
    apps = sorted(p.parent for p in (imported_example / "out").rglob("backup/kustomization.yaml"))
    assert len(apps) >= 8
    for app in apps:
        folder = app if (app / "kustomization.yaml").is_file() else app / "app"
        assert kustomize_build(folder, kubectl=kubectl)


def test_compile_fix_after_importing_kelchm_leaves_its_files_alone(
    tmp_path: Path, run_cli: RunCli
) -> None:
    """kelchm's tree is a partial copy (its longhorn folder lists files that were left
    out), so kustomize cannot build it; what compile --fix writes is checked instead."""
    tree = realworld_copy("kelchm__home-lab", tmp_path)
    before = {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()}
    assert not [d for d in run_import(tree).diagnostics.items if d.level == "error"]
    result = run_cli("compile", "--fix", cwd=tree)
    assert result.exit_code == 0, result.output
    assert {p: p.read_bytes() for p in before} == before
    written = sorted(
        p.relative_to(tree).as_posix() for p in tree.rglob("*") if p.is_file() and p not in before
    )
    assert written == [
        "docs/alerts.md",
        "docs/backups.md",
        "docs/disaster-recovery.md",
        "policies/cluster.yaml",
    ]


CNPG_TREE = {
    "kubernetes/apps/db/shop/app/kustomization.yaml": (
        "resources: [cluster.yaml, objectstore.yaml, backup.yaml]\n"
    ),
    "kubernetes/apps/db/shop/app/cluster.yaml": """\
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: shop-db, namespace: db}
spec:
  instances: 1
  storage: {size: 1Gi}
  postgresql:
    parameters: {archive_timeout: 2m}
  plugins:
    - name: barman-cloud.cloudnative-pg.io
      isWALArchiver: true
      parameters: {barmanObjectName: shop-store, serverName: shop-v2}
""",
    "kubernetes/apps/db/shop/app/objectstore.yaml": """\
apiVersion: barmancloud.cnpg.io/v1
kind: ObjectStore
metadata: {name: shop-store, namespace: db}
spec:
  retentionPolicy: 14d
  configuration:
    destinationPath: s3://pg/shop
    endpointURL: http://minio.storage:9000
    s3Credentials:
      accessKeyId: {name: pg-s3, key: ACCESS_KEY_ID}
      secretAccessKey: {name: pg-s3, key: SECRET_ACCESS_KEY}
""",
    "kubernetes/apps/db/shop/app/backup.yaml": """\
apiVersion: postgresql.cnpg.io/v1
kind: ScheduledBackup
metadata: {name: shop-daily, namespace: db}
spec:
  schedule: "0 30 3 * * *"
  cluster: {name: shop-db}
  method: plugin
""",
}


def test_a_cnpg_cluster_is_imported_with_its_object_store_and_schedule(tmp_path: Path) -> None:
    for rel, text in CNPG_TREE.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    result = run_import(tmp_path)
    assert [d.render() for d in result.diagnostics.items if d.level == "error"] == []
    [row] = result.compared
    assert (row.app, row.item, row.before_rpo, row.after_rpo) == (
        "db/shop",
        "postgres:shop-db",
        120,
        120,
    )
    service = (tmp_path / "policies" / "services" / "shop.yaml").read_text()
    assert "  postgres:\n    - cluster: shop-db\n      serverName: shop-v2\n" in service
    cluster = (tmp_path / "policies" / "cluster.yaml").read_text()
    assert '      cnpg:\n        target: cnpg-pg-pg-s3\n        archiveTimeout: "2m"\n' in cluster
    assert '        retention: "14d"\n        schedule: "30 3 * * *"\n' in cluster
    assert "endpoint: http://minio.storage:9000" in cluster


def test_import_never_overwrites_a_policy(tmp_path: Path) -> None:
    for rel, text in CNPG_TREE.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "cluster.yaml").write_text("# mine\nkind: ClusterPolicy\n")
    result = run_import(tmp_path)
    assert [d.rule for d in result.diagnostics.items if d.level == "error"] == ["BP602"]
    assert result.written == ()
    assert not (tmp_path / "policies" / "services").exists()


def test_import_through_the_cli(tmp_path: Path, run_cli: RunCli) -> None:
    tree = realworld_copy("kelchm__home-lab", tmp_path)
    result = run_cli("import", "--root", ".", "--output", "policies", cwd=tree)
    assert result.exit_code == 0, result.output
    assert "warning [BP600] RecurringJob backup-daily: reaches no Longhorn PVC" in result.output
    again = run_cli("import", "--root", ".", "--output", "policies", cwd=tree)
    assert again.exit_code == 1 and "error [BP602]" in again.output


def test_quiet_import_prints_errors_only(tmp_path: Path, run_cli: RunCli) -> None:
    """``-q`` keeps errors only: not the per-item comparison, the ``wrote`` summary or the
    warnings, which the run without it prints. The files are written all the same."""
    shutil.copytree(REPO / "out", tmp_path / "out")
    (tmp_path / ".git").mkdir()
    told = run_cli("import", "--root", "out", "--output", "loud", cwd=tmp_path)
    assert told.exit_code == 0, told.output
    assert "media/audiobookshelf pvc/audiobookshelf-config: before k8up" in told.stdout
    assert "wrote 10 policy files to " in told.stdout and "warning [BP" in told.stdout
    quiet = run_cli("import", "--root", "out", "--output", "quiet", "-q", cwd=tmp_path)
    assert quiet.exit_code == 0 and quiet.output == ""
    written = sorted(p.relative_to(tmp_path / "quiet") for p in (tmp_path / "quiet").rglob("*"))
    assert written == sorted(
        p.relative_to(tmp_path / "loud") for p in (tmp_path / "loud").rglob("*")
    )


def test_a_missing_root_or_an_output_outside_is_a_usage_error(
    tmp_path: Path, run_cli: RunCli
) -> None:
    tree = realworld_copy("kelchm__home-lab", tmp_path / "repo")
    outside = tmp_path / "elsewhere"
    missing = run_cli("import", "--root", "nope", "--output", "policies", cwd=tree)
    assert missing.exit_code == 2 and "--root: no folder at nope" in missing.output
    away = run_cli("import", "--root", ".", "--output", str(outside), cwd=tree)
    assert away.exit_code == 2 and "is outside the repository" in away.output
    assert "Traceback" not in missing.output + away.output
    assert not outside.exists() and not (tree / "policies").exists()


def test_an_item_the_written_policies_protect_less_is_bp601(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should a merge ever lose a copy (here: the Postgres cluster dropped from the service
    policy on purpose), the comparison after writing names the item and what it loses."""

    def losing(*args: Any, **kwargs: Any) -> Composed:
        composed = compose(*args, **kwargs)
        for document in composed.services.values():
            document["spec"].pop("postgres", None)
        return composed

    monkeypatch.setattr(importer, "compose", losing)
    for rel, text in CNPG_TREE.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    result = run_import(tmp_path)
    weaker = [d for d in result.diagnostics.items if d.rule == "BP601"]
    assert [d.message for d in weaker] == ["db/shop postgres:shop-db: loses cnpg (before: cnpg)"]


def test_a_compiled_litestream_05_app_is_imported_with_its_version(
    tmp_path: Path, run_cli: RunCli
) -> None:
    """The sidecar of a compiled tree is in the generated patch, not in the app's own files:
    the version comes from the committed config's label. Only the app whose version differs
    from the cluster's gets an override, and the imported policies compile against the tree
    (BP374 would refuse a policy that generates 0.3 for a tree running 0.5)."""
    shutil.copytree(REPO / "policies", tmp_path / "policies")
    shutil.copytree(REPO / "out", tmp_path / "out")
    (tmp_path / ".git").mkdir()
    linkding = tmp_path / "policies/services/linkding.yaml"
    text = linkding.read_text()
    pinned = '    metricsPort: 9091\n    version: "0.5"\n    acknowledgeMigration: true\n'
    linkding.write_text(text.replace("    metricsPort: 9091\n", pinned))
    assert run_cli("compile", cwd=tmp_path).exit_code == 0

    result = run_import(tmp_path / "out", tmp_path / "again")

    assert [d.render() for d in result.diagnostics.items if d.level == "error"] == []
    imported = (tmp_path / "again/services/linkding.yaml").read_text()
    assert '  litestream:\n    version: "0.5"\n    metricsPort: 9091\n' in imported
    assert "version" not in (tmp_path / "again/services/audiobookshelf.yaml").read_text()
    assert '    version: "0.3"\n' in (tmp_path / "again/cluster.yaml").read_text()
    checked = run_cli("validate", "-p", "again", cwd=tmp_path)
    assert checked.exit_code == 0, checked.output
    built = build(RunConfig(policies=tmp_path / "again", output=tmp_path / "out"))
    assert [d.rule for d in built.diagnostics.items if d.rule in {"BP368", "BP374"}] == []


HAND_CONFIG = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: linkding-litestream-old, namespace: productivity}
data:
  litestream.yml: |
    dbs:
      - path: /etc/linkding/data/db.sqlite3
        replicas:
          - url: s3://k8up/productivity/linkding/db.sqlite3
"""


def test_a_database_in_a_hand_config_and_the_compiled_one_is_imported_once(
    imported_example: Path, tmp_path: Path
) -> None:
    """A hand-written config left beside the compiled one (the import's note asks for its
    removal) names the same database: the policy lists it once, as the hand config has it."""
    tree = tmp_path / "out"
    (tree / "kubernetes/apps/productivity/linkding/app/litestream.yaml").write_text(HAND_CONFIG)

    run_import(tree, tmp_path / "again")

    imported = (tmp_path / "again/services/linkding.yaml").read_text()
    assert imported.count("- path: /etc/linkding/data/db.sqlite3\n") == 1
