"""``backup-policy import`` on the real-world trees (../shared/realworld, copied to tmp_path
because import writes there): the written policies validate, no item is weaker, and what
could not be mapped is reported line by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.config import RunConfig
from compiler.core.yamlread import load_documents
from compiler.pipeline.validate import validate
from tests.importer.helpers import realworld_copy, run_import

KELCHM = "kelchm__home-lab"
RICSANFRE = "ricsanfre__pi-cluster"
SMALL_HACK = "small-hack__argocd-apps"
TUXPEOPLE = "tuxpeople__k8s-homelab"
TYRIIS = "tyriis__home-ops"
# (services imported, items compared, lines reported as not mapped), measured
MEASURED = {
    KELCHM: (0, 0, 3),
    RICSANFRE: (0, 0, 8),
    SMALL_HACK: (0, 0, 3),
    TUXPEOPLE: (0, 0, 14),  # paperless's ${MAIN_SC} is known: flux/cluster/ks.yaml patches
    # every app's Kustomization with substituteFrom cluster-settings, which the tree holds
    TYRIIS: (34, 34, 16),  # its Component's PVC restores itself: volsync.existing, no note;
    # its two hand-written ScheduledBackups are to be deleted after the first compile; its
    # releases named ${APP} are found by each app's substitution (no "no workload" note)
}


@pytest.mark.parametrize("name", sorted(MEASURED))
def test_import_writes_policies_that_validate_and_lose_nothing(name: str, tmp_path: Path) -> None:
    tree = realworld_copy(name, tmp_path)
    result = run_import(tree)
    errors = [d.render() for d in result.diagnostics.items if d.level == "error"]
    assert errors == []
    assert (result.services, len(result.compared), len(result.unmapped)) == MEASURED[name]
    assert [row for row in result.compared if row.lost] == []
    checked = validate(RunConfig(policies=tree / "policies"))
    assert not checked.diagnostics.has_errors, [d.render() for d in checked.diagnostics.items]


def test_the_unmapped_lines_of_kelchm_are_exact(tmp_path: Path) -> None:
    result = run_import(realworld_copy(KELCHM, tmp_path))
    jobs = "kubernetes/apps/longhorn-system/longhorn/app/recurringjobs.yaml"
    assert [note.line() for note in result.unmapped] == [
        f"{jobs}:5:1: RecurringJob backup-daily: reaches no Longhorn PVC of the tree",
        f"{jobs}:21:1: RecurringJob backup-weekly: reaches no Longhorn PVC of the tree",
        "kubernetes/apps/ai/lemon-manuals-mcp/app/helmrelease.yaml:9:1: HelmRelease "
        "lemon-manuals-mcp: its chart's PVCs cannot be known from the tree; none imported",
    ]


def test_the_velero_schedule_of_every_namespace_is_reported(tmp_path: Path) -> None:
    result = run_import(realworld_copy(RICSANFRE, tmp_path))
    lines = [note.line() for note in result.unmapped]
    schedule = "kubernetes/platform/velero/config/base/backup-schedule.yaml:1:1: Schedule full:"
    assert f"{schedule} template.includeClusterResources is not kept" in lines
    assert any("includedNamespaces '*'" in line for line in lines)
    assert any("kept as volsync.volumeSnapshotClasses.longhorn" in line for line in lines)


def test_runtime_litestream_replicas_are_reported_not_guessed(tmp_path: Path) -> None:
    result = run_import(realworld_copy(TUXPEOPLE, tmp_path))
    lines = [note.line() for note in result.unmapped]
    linkding = "kubernetes/apps/productivity/linkding/app/values.yaml:128:1: sqlite "
    assert (
        f"{linkding}/etc/linkding/data/db.sqlite3: its replica's endpoint/bucket "
        "($${S3_ENDPOINT}, $${S3_BUCKET}) are set at run time; add the target by hand; "
        "not imported"
    ) in lines
    # filesystem-trim and snapshot-cleanup have a place in the format now; snapshot-delete not
    assert not [line for line in lines if "task filesystem-trim" in line]
    assert sum("task snapshot-delete has no place" in line for line in lines) == 1


def _policy(path: Path) -> dict:  # type: ignore[type-arg]
    loaded = load_documents(path.read_text())[0]
    assert isinstance(loaded, dict)
    return loaded


def test_the_volsync_component_pattern_is_imported_with_flux_substitution(tmp_path: Path) -> None:
    """tyriis: ``components/volsync`` added by 30-odd Flux Kustomizations, its ``${APP}``,
    ``${VOLSYNC_SUFFIX:=data}``, ``${VOLSYNC_PUID:=1000}`` filled per Kustomization."""
    tree = realworld_copy(TYRIIS, tmp_path)
    result = run_import(tree)
    volsync = [row for row in result.compared if row.before == ("volsync",)]
    assert len(volsync) == 31  # 35 ReplicationSources, 4 apps sharing one folder left out
    assert all(row.before_rpo == row.after_rpo == 7200 for row in volsync)
    spec = _policy(tree / "policies" / "services" / "open-webui.yaml")["spec"]
    assert spec["appPath"] == "kubernetes/main/apps/ai/open-webui"
    assert spec["volumes"] == [{"name": "open-webui-data", "claim": "open-webui-data"}]
    # the Component's ReplicationSource backs the PVC up: the compiler writes none of its own
    assert spec["volsync"] == {
        "existing": True,
        "moverSecurityContext": {"runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 1000},
    }
    block = _policy(tree / "policies" / "cluster.yaml")["spec"]["classes"]["important"]["volsync"]
    assert block["schedule"] == "0 */2 * * *"
    assert block["repositorySecret"] == "{claim}-volsync-minio"
    assert block["retain"] == {"hourly": 12, "daily": 7, "weekly": 4, "monthly": 3}
    lines = [note.line() for note in result.unmapped]
    assert any("share the folder kubernetes/main/apps/hermes-agent" in line for line in lines)


def test_the_cnpg_clusters_of_tyriis_are_imported(tmp_path: Path) -> None:
    tree = realworld_copy(TYRIIS, tmp_path)
    result = run_import(tree)
    rows = {row.item: row for row in result.compared if row.before == ("cnpg",)}
    assert sorted(rows) == ["postgres:immich-db", "postgres:postgres17"]
    assert all(row.before_rpo == row.after_rpo == 300 for row in rows.values())
    spec = _policy(tree / "policies" / "services" / "immich-database.yaml")["spec"]
    assert spec["postgres"] == [{"cluster": "immich-db", "objectStore": "immich-db"}]
    assert spec["appPath"] == "kubernetes/main/apps/media/immich/database"
