"""Litestream rules, the committed-tree checks and the shape of the generated files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from compiler.config import RunConfig
from compiler.core.diagnostics import Diagnostic
from compiler.pipeline.build import BuildResult, build
from compiler.tools.litestream.cleanup import CLEANUP_DIR, job_name
from compiler.tools.litestream.existing import committed_version
from compiler.tree.read import read_tree
from tests.litestream.example import (
    compile_tree,
    copy_example,
    edit_yaml,
    errors,
    litestream_apps,
    load_all,
)

SERVICES = "policies/services"
PAPERLESS = "kubernetes/apps/productivity/paperless"
IPAM = "kubernetes/apps/network/python-ipam"

Edit = Callable[[Any], None]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return copy_example(tmp_path)


def compile_with(root: Path, **edits: Edit) -> BuildResult:
    """Apply ``file=edit`` (relative to policies/, '/' written '__', '-' written '_')."""
    for name, edit in edits.items():
        edit_yaml(root / "policies" / (name.replace("__", "/").replace("_", "-") + ".yaml"), edit)
    return compile_tree(root)


def rules_of(result: BuildResult) -> list[tuple[str, str, int]]:
    return [
        (d.rule, d.file, d.line)
        for d in result.diagnostics.sorted()
        if d.rule.startswith("BP36") or d.rule.startswith("BP37")
    ]


def tree_checks(result: BuildResult) -> list[Diagnostic]:
    """What Litestream's tree rules (BP368, BP371, BP372) found in the committed tree."""
    return [d for d in result.diagnostics.sorted() if d.rule in {"BP368", "BP371", "BP372"}]


def set_in(*path: str | int, value: Any) -> Edit:
    def edit(data: Any) -> None:
        for key in path[:-1]:
            data = data[key]
        data[path[-1]] = value

    return edit


def test_example_compiles_clean_and_protects_every_database(tree: Path) -> None:
    result = compile_tree(tree)
    assert not errors(result)
    assert result.outputs is not None
    apps = litestream_apps(result)
    assert {a.removeprefix("kubernetes/apps/") for a in apps} == {
        "media/audiobookshelf",
        "productivity/paperless",
        "productivity/linkding",
        "tools/spoolman",
        "network/python-ipam",
    }
    for app in apps.values():
        assert app.version == "0.3"
        component = load_all(result.outputs[f"{app.app_dir}/backup/kustomization.yaml"])[0]
        assert {"litestream-config.yaml", "litestream-podmonitor.yaml"} <= set(
            component["resources"]
        )
        assert "patches/litestream.yaml" in {p["path"] for p in component["patches"]}
    ipam = apps[IPAM].config["dbs"][0]["replicas"]
    assert [r["name"] for r in ipam] == ["garage", "minio-nas"]


def test_emptydir_databases_get_the_restore_safety_warning(tree: Path) -> None:
    warned = [
        (d.file, d.level) for d in compile_tree(tree).diagnostics.sorted() if d.rule == "BP315"
    ]
    assert warned == [
        (f"{SERVICES}/linkding.yaml", "warning"),
        (f"{SERVICES}/spoolman.yaml", "warning"),
    ]


def test_05_with_two_targets_is_an_error(tree: Path) -> None:
    result = compile_with(
        tree, services__python_ipam=set_in("spec", "litestream", value={"version": "0.5"})
    )
    assert ("BP362", f"{SERVICES}/python-ipam.yaml", 21) in rules_of(result)
    assert result.outputs is None


def test_duplicate_replica_path_is_an_error(tree: Path) -> None:
    def second_db(data: Any) -> None:
        data["spec"]["sqlite"].append({"path": "/media/db.sqlite3", "volume": "media"})

    result = compile_with(tree, services__paperless=second_db)
    assert [r for r in rules_of(result) if r[0] == "BP363"] == [
        ("BP363", f"{SERVICES}/paperless.yaml", 32)
    ]


@pytest.mark.parametrize("replica_path", [None, "productivity/paperless/copy"])
def test_a_database_listed_twice_is_an_error(tree: Path, replica_path: str | None) -> None:
    """One replicator per database, whatever replica path the second entry names."""

    def twice(data: Any) -> None:
        entry = {"path": "/data/db.sqlite3", "volume": "data"}
        if replica_path is not None:
            entry["replicaPath"] = replica_path
        data["spec"]["sqlite"].append(entry)

    result = compile_with(tree, services__paperless=twice)
    found = [(d.rule, d.file, d.line) for d in errors(result)]
    assert found == [("BP319", f"{SERVICES}/paperless.yaml", 32)]


@pytest.mark.parametrize("volume", ["litestream-config", "litestream-tmp"])
def test_injected_names_must_not_collide(tree: Path, volume: str) -> None:
    def collide(data: Any) -> None:
        data["spec"]["workload"]["container"] = "litestream"
        data["spec"]["volumes"][1]["name"] = volume

    result = compile_with(tree, services__paperless=collide)
    assert [r[0] for r in rules_of(result)].count("BP364") == 2


def test_inline_credentials_are_an_error(tree: Path) -> None:
    result = compile_with(
        tree, cluster=set_in("spec", "targets", "garage", "secretAccessKey", value="hunter2")
    )
    assert [r[:2] for r in rules_of(result)] == [("BP365", "policies/cluster.yaml")]


@pytest.mark.parametrize("target", ["nas", "garag"])
def test_database_targets_must_be_s3_targets(tree: Path, target: str) -> None:
    result = compile_with(
        tree, services__python_ipam=set_in("spec", "sqlite", 0, "targets", value=["garage", target])
    )
    assert [r[0] for r in rules_of(result)] == ["BP366"]


def test_dollar_in_a_database_path_is_an_error(tree: Path) -> None:
    def dollar(data: Any) -> None:
        data["spec"]["sqlite"][0]["path"] = "/data/${DB}.sqlite3"

    result = compile_with(tree, services__paperless=dollar)
    assert "BP367" in [r[0] for r in rules_of(result)]


def test_a_dollar_in_a_target_is_reported_once_at_the_target(tree: Path) -> None:
    """Every Litestream service replicates to garage: the bad bucket is one problem, at its line."""
    result = compile_with(tree, cluster=set_in("spec", "targets", "garage", "bucket", value="k$x"))
    found = [r for r in rules_of(result) if r[0] == "BP367"]
    assert found == [("BP367", "policies/cluster.yaml", 22)]


def test_retention_below_snapshot_interval_is_an_error(tree: Path) -> None:
    result = compile_with(tree, cluster=set_in("spec", "litestream", "retention", value="30m"))
    assert [r[0] for r in rules_of(result)] == ["BP361"]


def test_helm_only_fields_on_a_deployment_are_an_error(tree: Path) -> None:
    result = compile_with(
        tree, services__python_ipam=set_in("spec", "workload", "existingPostRenderers", value=True)
    )
    assert [r[0] for r in rules_of(result)] == ["BP369"]


def test_validation_interval_with_05_is_a_warning(tree: Path) -> None:
    compile_with(tree, cluster=set_in("spec", "litestream", "validationInterval", value="6h"))
    result = compile_with(
        tree,
        services__paperless=set_in(
            "spec", "litestream", value={"version": "0.5", "acknowledgeMigration": True}
        ),
    )
    found = [(d.rule, d.level) for d in result.diagnostics.sorted() if d.rule == "BP370"]
    assert found == [("BP370", "warning")]
    assert result.outputs is not None
    config = litestream_apps(result)[IPAM].config
    assert config["dbs"][0]["replicas"][0]["validation-interval"] == "6h"
    assert "validation-interval" not in str(litestream_apps(result)[PAPERLESS].config)


# -- committed tree: Litestream format migration (BP368) and post-renderers (BP371) ----------


def test_committed_version_is_read_from_the_generated_configmap(tree: Path) -> None:
    inventory = read_tree(tree / "out", "out")
    assert committed_version(inventory, PAPERLESS) == "0.3"
    assert committed_version(inventory, "kubernetes/apps/automation/n8n") is None


def test_format_change_needs_an_acknowledgement(tree: Path) -> None:
    result = compile_with(
        tree, services__paperless=set_in("spec", "litestream", value={"version": "0.5"})
    )
    found = errors(result)
    assert [(d.rule, d.file) for d in found] == [("BP368", f"{SERVICES}/paperless.yaml")]
    assert "0.3 to 0.5" in found[0].message
    result = compile_with(
        tree, services__paperless=set_in("spec", "litestream", "acknowledgeMigration", value=True)
    )
    assert result.analysis is not None and not errors(result)
    assert tree_checks(result) == []


def test_cluster_wide_format_change_names_every_service(tree: Path) -> None:
    def single_target(data: Any) -> None:
        del data["spec"]["sqlite"][0]["targets"]

    compile_with(tree, services__python_ipam=single_target)
    result = compile_with(tree, cluster=set_in("spec", "litestream", "version", value="0.5"))
    # BP413: the cleanup folder goes (no 0.3 database left) and storage still lists it
    found = [d for d in errors(result) if d.rule != "BP413"]
    assert {d.rule for d in found} == {"BP368"}
    assert sorted(d.file for d in found) == sorted(
        f"{SERVICES}/{s}.yaml"
        for s in ("audiobookshelf", "linkding", "paperless", "python-ipam", "spoolman")
    )


def _add_user_post_renderer(tree: Path) -> None:
    path = tree / "out" / PAPERLESS / "app/helmrelease.yaml"
    text = path.read_text().replace(
        "  install:\n",
        "  postRenderers:\n    - kustomize:\n"
        "        images:\n          - name: x\n            newTag: y\n"
        "  install:\n",
        1,
    )
    path.write_text(text)


def test_existing_post_renderers_must_be_declared(tree: Path) -> None:
    _add_user_post_renderer(tree)
    result = compile_tree(tree)
    assert result.analysis is not None
    found = tree_checks(result)
    assert [(d.rule, d.file) for d in found] == [("BP371", f"{SERVICES}/paperless.yaml")]
    result = compile_with(
        tree, services__paperless=set_in("spec", "workload", "existingPostRenderers", value=True)
    )
    assert result.analysis is not None and result.outputs is not None
    assert tree_checks(result) == []
    (patch,) = load_all(result.outputs[f"{PAPERLESS}/backup/patches/litestream.yaml"])
    assert patch[0]["op"] == "add" and patch[0]["path"] == "/spec/postRenderers/-"


def test_declared_post_renderers_that_do_not_exist_are_an_error(tree: Path) -> None:
    result = compile_with(
        tree, services__paperless=set_in("spec", "workload", "existingPostRenderers", value=True)
    )
    assert result.analysis is not None
    assert [d.rule for d in tree_checks(result)] == ["BP371"]


# -- generated files ------------------------------------------------------------------------


def test_cleanup_jobs_declare_only_03_databases(tree: Path) -> None:
    result = compile_with(
        tree,
        services__paperless=set_in(
            "spec", "litestream", value={"version": "0.5", "acknowledgeMigration": True}
        ),
    )
    assert result.outputs is not None
    garage = load_all(result.outputs[f"{CLEANUP_DIR}/cleanup-garage.yaml"])[0]
    container = garage["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}
    assert env["DECLARED_PATHS"].split("\n") == [
        "media/audiobookshelf/absdatabase.sqlite",
        "network/python-ipam/ipam.db",
        "productivity/linkding/db.sqlite3",
        "tools/spoolman/spoolman.db",
    ]
    assert env["BUCKET"] == "k8up" and env["RETENTION_SECONDS"] == "604800"
    assert env["RCLONE_CONFIG_S3_ACCESS_KEY_ID"] == {
        "secretKeyRef": {"name": "garage-s3", "key": "access-key-id"}
    }
    assert container["image"] == "rclone/rclone:1.69.1"
    kustomization = load_all(result.outputs[f"{CLEANUP_DIR}/kustomization.yaml"])[0]
    assert kustomization["resources"] == [
        "cleanup-garage.yaml",
        "cleanup-minio-nas.yaml",
        "cleanup-script.yaml",
        "prometheusrule.yaml",
    ]


def test_no_cleanup_without_03_databases(tree: Path) -> None:
    def single_target(data: Any) -> None:
        del data["spec"]["sqlite"][0]["targets"]

    compile_with(tree, services__python_ipam=single_target)

    def acknowledged(data: Any) -> None:
        data["spec"].setdefault("litestream", {})["acknowledgeMigration"] = True

    for service in ("audiobookshelf", "linkding", "paperless", "python_ipam", "spoolman"):
        compile_with(tree, **{f"services__{service}": acknowledged})
    edit_yaml(tree / "policies/cluster.yaml", set_in("spec", "litestream", "version", value="0.5"))
    result = build(RunConfig(policies=tree / "policies", output=tree / "out", fix=True))
    assert result.outputs is not None and not errors(result)
    assert not [p for p in result.outputs if p.startswith(CLEANUP_DIR)]
    assert result.changes is not None
    assert {p for p in result.changes.deletes if p.startswith(CLEANUP_DIR)}
    # the storage namespace listed the folder's ks.yaml: --fix takes the entry out (BP413)
    assert result.plan is not None
    (unwired,) = [u for u in result.plan.unwiring if u.key == "resources"]
    assert unwired.entry == "./litestream-cleanup/ks.yaml"
    assert "litestream-cleanup" not in unwired.fixed


def test_cleanup_job_names_fit_a_cronjob() -> None:
    assert job_name("garage") == "litestream-cleanup-garage"
    long = job_name("a" * 63)
    assert len(long) <= 52 and long.startswith("litestream-cleanup-a")


SUBSTITUTED = "  postBuild:\n    substitute: {CLUSTER: home}\n"


@pytest.mark.parametrize(
    ("substitution", "ipam_substituted"), [(True, True), (True, False), (False, True)]
)
def test_runtime_variables_are_flux_escaped_only_where_flux_substitutes(
    tree: Path, substitution: bool, ipam_substituted: bool
) -> None:
    """``$${VAR}`` where Flux substitutes, ``${VAR}`` where it does not: the shared cleanup
    folder gets a ks.yaml that substitutes (with ``flux.substitution``); python-ipam is
    applied by cluster-apps, which substitutes only with a postBuild variable (Flux leaves
    ``$${VAR}`` as written otherwise: the shell's PID, and an empty value for Litestream)."""
    if ipam_substituted:
        flux = tree / "out/kubernetes/flux/cluster/ks.yaml"
        flux.write_text(flux.read_text() + SUBSTITUTED)
    result = compile_with(tree, cluster=set_in("spec", "flux", "substitution", value=substitution))
    assert result.outputs is not None
    config = result.outputs[f"{IPAM}/backup/litestream-config.yaml"]
    script = result.outputs[f"{CLEANUP_DIR}/cleanup-script.yaml"]
    for text, var, escaped in (
        (config, "S3_GARAGE_ACCESS_KEY_ID", substitution and ipam_substituted),
        (script, "RCLONE_REMOTE:-", substitution),
    ):
        if escaped:
            assert f"$${{{var}}}" in text
            assert text.count("${") == text.count("$${")  # every ${ is escaped, once
        else:
            assert f"${{{var}}}" in text and "$${" not in text


def test_compile_is_deterministic(tree: Path) -> None:
    first, second = compile_tree(tree).outputs, compile_tree(tree).outputs
    assert first is not None and first == second


def test_metrics_port_override_moves_addr_and_container_port(tree: Path) -> None:
    """linkding listens on 9090 itself: its policy moves Litestream's metrics to 9091."""
    result = compile_tree(tree)
    assert result.outputs is not None
    apps = litestream_apps(result)
    linkding = apps["kubernetes/apps/productivity/linkding"]
    assert linkding.config["addr"] == ":9091"
    assert linkding.container("litestream")["ports"][0]["containerPort"] == 9091
    assert apps[PAPERLESS].config["addr"] == ":9090"


def test_pinned_images_and_default_container(tree: Path) -> None:
    result = compile_tree(tree)
    assert result.outputs is not None
    app = litestream_apps(result)[IPAM]
    assert app.container("litestream")["image"] == "litestream/litestream:0.3.13"
    assert app.container("litestream-restore")["args"] == [
        "restore",
        "-if-db-not-exists",
        "-if-replica-exists",
        "-config",
        "/etc/litestream.yml",
        "/data/ipam.db",
    ]
    annotations = app.pod_patch["spec"]["template"]["metadata"]["annotations"]
    assert annotations["kubectl.kubernetes.io/default-container"] == "python-ipam"
    assert app.container("litestream")["resources"] == {
        "requests": {"cpu": "10m", "memory": "32Mi"},
        "limits": {"memory": "128Mi"},
    }
