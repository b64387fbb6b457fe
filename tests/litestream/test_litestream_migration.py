"""Migration safety with the real binaries against SeaweedFS (SPEC §4, §7).

A small repository whose app already replicates its database with a hand-written
Litestream config: the real binary writes the replica, the compiler is asked to take over,
and the restore the generated init container runs is run by the real binary.

- A database replicated by Litestream 0.5, and a 0.3 policy: refused (BP374), and rightly:
  the 0.3 binary, given the config the compiler would have generated, finds no backup in
  the 0.5 replica (``-if-replica-exists`` would start the app empty).
- An imported replica path: without ``replicaPath`` the replica would move (BP373); with it
  the generated config restores the rows the hand-written one replicated.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from compiler.config import RunConfig
from compiler.core.emit import dump
from compiler.pipeline.build import BuildResult, build
from tests.litestream.binaries import require_litestream
from tests.litestream.example import flux_substitute, load_all
from tests.litestream.local import rows, write_rows
from tests.support.litestream import Replicator, litestream_env
from tests.support.s3server import S3Bucket
from tests.test_cases import CASES

pytestmark = pytest.mark.integration

DB = "/data/notes.db"
APP = "out/kubernetes/apps/apps/notes"
CLUSTER = """\
apiVersion: backup-policy/v1alpha1
kind: ClusterPolicy
metadata:
  name: migration
spec:
  output:
    root: out
  timezone: UTC
  targets:
    local:
      type: s3
      endpoint: {endpoint}
      region: {region}
      bucket: {bucket}
      credentialsSecret:
        name: s3
  litestream:
    version: "{version}"
    targets: [local]
  classes:
    critical: {{rpo: 1h, rto: 4h}}
    important: {{rpo: 24h, rto: 24h}}
    best-effort: {{rpo: 7d, rto: 7d}}
"""
SERVICE = """\
apiVersion: backup-policy/v1alpha1
kind: ServicePolicy
metadata:
  name: notes
  namespace: apps
spec:
  classification: important
  owner: ops
  storage: external
  workload:
    kind: Deployment
    name: notes
    container: app
  volumes:
    - name: data
      emptyDir: true
      mountPath: /data
  sqlite:
    - path: /data/notes.db
      volume: data
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: notes
spec:
  selector:
    matchLabels: {{app: notes}}
  template:
    metadata:
      labels: {{app: notes}}
    spec:
      containers:
        - name: app
          image: ghcr.io/example/notes:1.0
          volumeMounts: [{{name: data, mountPath: /data}}]
{sidecar}      volumes:
        - name: data
          emptyDir: {{}}
"""
SIDECAR = """\
        - name: litestream
          image: litestream/litestream:{tag}
          args: [replicate]
"""
FLUX = (CASES / "base/out/kubernetes/flux/cluster/ks.yaml").read_text()  # applies the apps


def hand_written_config(bucket: S3Bucket, path: str, version: str, db: Path) -> str:
    """The app's own Litestream config, as homelab repos write it (0.3 ``replicas:``, 0.5
    ``replica:``), with the database at ``db``."""
    replica: dict[str, Any] = {
        "type": "s3",
        "bucket": bucket.name,
        "path": path,
        "endpoint": bucket.endpoint,
        "region": bucket.region,
        "force-path-style": True,
        "sync-interval": "1s",
    }
    entry = {
        "path": str(db),
        **({"replicas": [replica]} if version == "0.3" else {"replica": replica}),
    }
    return dump({"dbs": [entry]})


def make_repo(root: Path, bucket: S3Bucket, version: str, config: str, sidecar: str = "") -> Path:
    (root / "policies/services").mkdir(parents=True)
    cluster = CLUSTER.format(
        endpoint=bucket.endpoint, region=bucket.region, bucket=bucket.name, version=version
    )
    (root / "policies/cluster.yaml").write_text(cluster)
    (root / "policies/services/notes.yaml").write_text(SERVICE)
    app = root / APP
    app.mkdir(parents=True)
    (app / "deployment.yaml").write_text(DEPLOYMENT.format(sidecar=sidecar))
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "notes-litestream"},
        "data": {"litestream.yml": config},
    }
    (app / "litestream-configmap.yaml").write_text(dump(config_map))
    (app / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "resources: [deployment.yaml, litestream-configmap.yaml]\ncomponents: [./backup]\n"
    )
    (root / "out/kubernetes/flux").mkdir(parents=True)
    (root / "out/kubernetes/flux/ks.yaml").write_text(FLUX)
    return root


def edit_policy(root: Path, change: Any) -> None:
    path = root / "policies/services/notes.yaml"
    yaml = YAML(typ="rt")
    data = yaml.load(path.read_text())
    change(data["spec"])
    with path.open("w") as handle:
        yaml.dump(data, handle)


def compile_repo(root: Path) -> BuildResult:
    return build(RunConfig(policies=root / "policies", output=root / "out"))


def problems(result: BuildResult) -> list[tuple[str, str]]:
    return [(d.rule, d.level) for d in result.diagnostics.sorted() if d.level == "error"]


def generated_config(result: BuildResult, db: Path) -> str:
    """The generated litestream.yml as the sidecar reads it, its database at ``db``."""
    assert result.outputs is not None
    text = result.outputs[f"{APP.removeprefix('out/')}/backup/litestream-config.yaml"]
    config = YAML(typ="safe", pure=True).load(
        flux_substitute(load_all(text)[0]["data"]["litestream.yml"])
    )
    config["dbs"][0]["path"] = str(db)
    config.pop("addr", None)
    return dump(config)


def replicate(binary: str, config: Path, bucket: S3Bucket, db: Path) -> list[tuple[int, str]]:
    """Rows written while the real binary replicates them; it stops with a final sync."""
    env = litestream_env(bucket.access_key, bucket.secret_key)
    with Replicator(config, env=env, binary=binary, log_path=config.with_suffix(".log")):
        write_rows(db, 1, 40)
        deadline = time.monotonic() + 30
        while not bucket.list_objects():
            assert time.monotonic() < deadline, "nothing replicated within 30s"
            time.sleep(0.2)
        write_rows(db, 41, 40)
    return rows(db)


def restore_like_the_init_container(
    binary: str, config_text: str, bucket: S3Bucket, db: Path
) -> str:
    """``litestream restore -if-db-not-exists -if-replica-exists`` of the generated config,
    on a volume that lost the database; its output."""
    config = db.parent / "generated.yml"
    config.write_text(config_text)
    env = litestream_env(bucket.access_key, bucket.secret_key)
    args = ["restore", "-if-db-not-exists", "-if-replica-exists", "-config", str(config)]
    done = subprocess.run(
        [binary, *args, str(db)], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_a_05_replica_and_a_03_policy_is_refused(s3_bucket: S3Bucket, tmp_path: Path) -> None:
    binary_05, binary_03 = require_litestream("0.5"), require_litestream("0.3")
    live = tmp_path / "live"
    live.mkdir()
    local = hand_written_config(s3_bucket, "apps/notes/notes.db", "0.5", live / "notes.db")
    (tmp_path / "hand.yml").write_text(local)
    expected = replicate(binary_05, tmp_path / "hand.yml", s3_bucket, live / "notes.db")
    config = hand_written_config(s3_bucket, "apps/notes/notes.db", "0.5", Path(DB))
    sidecar = SIDECAR.format(tag="0.5.17")
    root = make_repo(tmp_path / "repo", s3_bucket, "0.3", config, sidecar)
    edit_policy(root, lambda spec: spec["sqlite"][0].update(replicaPath="apps/notes/notes.db"))

    result = compile_repo(root)
    assert ("BP374", "error") in problems(result)
    assert "BP368" not in {rule for rule, _ in problems(result)}  # one report, not two
    # the refusal is right: the 0.3 restore the compiler would have run finds nothing
    fresh = tmp_path / "pod-03"
    fresh.mkdir()
    out = restore_like_the_init_container(
        binary_03, generated_config(result, fresh / "notes.db"), s3_bucket, fresh / "notes.db"
    )
    assert not (fresh / "notes.db").exists(), out
    assert "no matching backups" in out

    # keeping 0.5 (what the tree runs) restores every row with the generated config
    (root / "policies/cluster.yaml").write_text(
        (root / "policies/cluster.yaml").read_text().replace('version: "0.3"', 'version: "0.5"')
    )
    result = compile_repo(root)
    assert problems(result) == [("BP375", "error")]  # the hand-wired sidecar must still go
    pod = tmp_path / "pod-05"
    pod.mkdir()
    restore_like_the_init_container(
        binary_05, generated_config(result, pod / "notes.db"), s3_bucket, pod / "notes.db"
    )
    assert rows(pod / "notes.db") == expected


@pytest.mark.parametrize("version", ["0.3", "0.5"])
def test_an_imported_replica_path_restores_the_rows(
    version: str, s3_bucket: S3Bucket, tmp_path: Path
) -> None:
    binary = require_litestream(version)
    live = tmp_path / "live"
    live.mkdir()
    local = hand_written_config(s3_bucket, "notes", version, live / "notes.db")
    (tmp_path / "hand.yml").write_text(local)
    expected = replicate(binary, tmp_path / "hand.yml", s3_bucket, live / "notes.db")
    config = hand_written_config(s3_bucket, "notes", version, Path(DB))
    root = make_repo(tmp_path / "repo", s3_bucket, version, config)

    moved = compile_repo(root)
    assert problems(moved) == [("BP373", "error")]
    message = next(d for d in moved.diagnostics.sorted() if d.rule == "BP373")
    assert "'notes'" in message.message and "replicaPath: notes" in message.hint
    pod = tmp_path / "pod-moved"
    pod.mkdir()
    restore_like_the_init_container(
        binary, generated_config(moved, pod / "notes.db"), s3_bucket, pod / "notes.db"
    )
    assert not (pod / "notes.db").exists()  # what BP373 prevents: an empty start

    edit_policy(root, lambda spec: spec["sqlite"][0].update(replicaPath="notes"))
    kept = compile_repo(root)
    assert problems(kept) == []
    pod = tmp_path / "pod-kept"
    pod.mkdir()
    restore_like_the_init_container(
        binary, generated_config(kept, pod / "notes.db"), s3_bucket, pod / "notes.db"
    )
    assert rows(pod / "notes.db") == expected
