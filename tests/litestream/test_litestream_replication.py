"""Every generated Litestream config, run by the real binary against a real S3 (SPEC §7).

For each litestream.yml of the compiled example (and a 0.5 variant), only the environment is
adapted: the S3 endpoint points at the session's SeaweedFS (each generated bucket becomes a
fresh bucket named after it, so tests never see each other's replicas), the database path at a
temp file and the metrics address at a free local port.
Everything else is used as generated, with the credentials' environment variables named by the
generated container env. Then: write rows to a real SQLite database while ``litestream
replicate`` runs, stop it, restore into a new file and compare the rows; run the init
container's exact restore command on a volume that lost the database.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from compiler.core.emit import dump
from tests.litestream.binaries import require_litestream
from tests.litestream.example import (
    REPO,
    AppLitestream,
    compile_tree,
    copy_example,
    edit_yaml,
    errors,
    litestream_apps,
)
from tests.litestream.local import (
    credentials_env,
    localise,
    metrics,
    replicas,
    rows,
    run,
    wait_for_objects,
    write_rows,
)
from tests.support.fixtures import BucketFactory
from tests.support.litestream import Replicator
from tests.support.s3server import SeaweedS3

pytestmark = pytest.mark.integration


def replicate_and_restore(
    app: AppLitestream, s3: SeaweedS3, s3_buckets: BucketFactory, tmp: Path, binary: str
) -> None:
    config = localise(app, s3_buckets, tmp / "volume")
    (tmp / "volume").mkdir(parents=True)
    path = tmp / "litestream.yml"
    path.write_text(dump(config))
    env = credentials_env(app, s3)
    dbs = [Path(db["path"]) for db in config["dbs"]]
    with Replicator(path, env=env, binary=binary, log_path=tmp / "replicate.log"):
        for db in dbs:
            write_rows(db, 1, 50)
        assert "litestream_" in metrics(config["addr"])  # what the PodMonitor scrapes
        for db_config in config["dbs"]:
            for replica in replicas(db_config):
                wait_for_objects(s3, replica["bucket"], replica["path"])
        for db in dbs:
            write_rows(db, 51, 50)
    for db, db_config in zip(dbs, config["dbs"], strict=True):
        expected = rows(db)
        assert len(expected) == 100
        names = [r.get("name") for r in replicas(db_config)]
        for name in names if len(names) > 1 else [None]:
            out = tmp / f"restored-{name or 'latest'}-{db.name}"
            run(
                binary,
                [
                    "restore",
                    "-config",
                    str(path),
                    *(["-replica", name] if name else []),
                    "-o",
                    str(out),
                    str(db),
                ],
                env,
            )
            assert rows(out) == expected, f"{app.app_dir} {db.name} via {name or 'latest'}"
        _restore_like_the_init_container(app, binary, path, env, db, expected)


def _restore_like_the_init_container(
    app: AppLitestream,
    binary: str,
    config: Path,
    env: dict[str, str],
    db: Path,
    expected: list[tuple[int, str]],
) -> None:
    """The generated init container args, on a volume that lost the database."""
    for leftover in db.parent.glob(db.name + "*"):
        leftover.unlink()
    shutil.rmtree(db.parent / f".{db.name}-litestream", ignore_errors=True)
    init = next(
        c
        for c in app.pod_patch["spec"]["template"]["spec"]["initContainers"]
        if c["args"][-1].endswith("/" + db.name)
    )
    args = [str(config) if a == "/etc/litestream.yml" else a for a in init["args"][:-1]]
    run(binary, [*args, str(db)], env)
    assert rows(db) == expected
    run(binary, [*args, str(db)], env)  # -if-db-not-exists: a second start changes nothing
    assert rows(db) == expected


def _example_apps() -> dict[str, AppLitestream]:
    result = compile_tree(REPO)
    assert result.outputs is not None, errors(result)
    return litestream_apps(result)


EXAMPLE_APPS = _example_apps()


def test_every_declared_database_of_the_example_has_a_config() -> None:
    declared = {
        "media/audiobookshelf": 1,
        "productivity/paperless": 1,
        "productivity/linkding": 1,
        "tools/spoolman": 1,
        "network/python-ipam": 1,
    }
    found = {
        app.removeprefix("kubernetes/apps/"): len(a.config["dbs"])
        for app, a in EXAMPLE_APPS.items()
    }
    assert found == declared


@pytest.mark.parametrize("app_dir", sorted(EXAMPLE_APPS), ids=lambda a: a.split("/")[-1])
def test_generated_config_replicates_and_restores(
    app_dir: str, s3_server: SeaweedS3, s3_buckets: BucketFactory, tmp_path: Path
) -> None:
    app = EXAMPLE_APPS[app_dir]
    binary = require_litestream(app.version)
    replicate_and_restore(app, s3_server, s3_buckets, tmp_path, binary)


@pytest.fixture(scope="module")
def v05_apps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, AppLitestream]:
    """The example with paperless (one target) moved to Litestream 0.5, migration acknowledged."""
    root = copy_example(tmp_path_factory.mktemp("v05"))
    edit_yaml(
        root / "policies/services/paperless.yaml",
        lambda d: d["spec"].insert(
            len(d["spec"]) - 1, "litestream", {"version": "0.5", "acknowledgeMigration": True}
        ),
    )
    result = compile_tree(root)
    assert result.outputs is not None and not errors(result), errors(result)
    return litestream_apps(result)


def test_v05_config_replicates_and_restores_with_the_real_05_binary(
    v05_apps: dict[str, AppLitestream],
    s3_server: SeaweedS3,
    s3_buckets: BucketFactory,
    tmp_path: Path,
) -> None:
    app = v05_apps["kubernetes/apps/productivity/paperless"]
    assert app.version == "0.5" and "replica" in app.config["dbs"][0]
    assert app.container("litestream")["image"] == "litestream/litestream:0.5.17"
    replicate_and_restore(app, s3_server, s3_buckets, tmp_path, require_litestream("0.5"))


@pytest.mark.parametrize("version", ["0.3", "0.5"])
def test_restore_from_an_empty_replica_starts_empty(
    version: str,
    s3_server: SeaweedS3,
    s3_buckets: BucketFactory,
    tmp_path: Path,
    v05_apps: dict[str, AppLitestream],
) -> None:
    """SPEC §9.10: ``-if-replica-exists`` exits 0 with no database when nothing is found;
    this is why a database on an emptyDir gets the BP315 warning."""
    binary = require_litestream(version)
    apps = EXAMPLE_APPS if version == "0.3" else v05_apps
    app = apps["kubernetes/apps/productivity/paperless"]
    config = localise(app, s3_buckets, tmp_path)
    (tmp_path / "litestream.yml").write_text(dump(config))
    db = Path(config["dbs"][0]["path"])
    for replica in replicas(config["dbs"][0]):
        assert s3_server.list_objects(replica["bucket"]) == []  # the replica really is empty
    run(
        binary,
        [
            "restore",
            "-if-db-not-exists",
            "-if-replica-exists",
            "-config",
            str(tmp_path / "litestream.yml"),
            str(db),
        ],
        credentials_env(app, s3_server),
    )
    assert not db.exists()
