"""What the tree already runs of Litestream, and the rules that compare it with the policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compiler.config import RunConfig
from compiler.pipeline.build import BuildResult, build
from compiler.tools.litestream.existing import existing_replicas, hand_wired, version_of
from compiler.tools.litestream.tree_pod import _whole_bucket, blunt_cleanups
from compiler.tree.containers import image_parts
from tests.litestream.example import compile_tree, copy_example, edit_yaml, errors
from tests.test_cases import CASES, materialise
from tests.tree.helpers import tree_of

APP = "kubernetes/apps/apps/notes"


@pytest.mark.parametrize(
    ("image", "parts", "version"),
    [
        ("litestream/litestream:0.5.16@sha256:f085", ("litestream/litestream", "0.5.16"), "0.5"),
        (
            "docker.io/litestream/litestream:0.3.13",
            ("docker.io/litestream/litestream", "0.3.13"),
            "0.3",
        ),
        ("registry:5000/litestream", ("registry:5000/litestream", ""), None),
        ("litestream/litestream:latest", ("litestream/litestream", "latest"), None),
        ("litestream/litestream:v0.5.0", ("litestream/litestream", "v0.5.0"), "0.5"),
    ],
)
def test_image_tags_name_the_version(
    image: str, parts: tuple[str, str], version: str | None
) -> None:
    assert image_parts(image) == parts
    assert version_of(parts[1]) == version


CONFIG = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: notes-litestream}
data:
  replicate.yml: |
    dbs:
      - path: /data/notes.db
        replicas:
          - {type: s3, bucket: "$${BUCKET}", path: notes}
          - {type: file, path: /backup/notes}
  restore.yml: |
    dbs:
      - path: /data/notes.db
        replica: {url: "s3://litestream/apps/notes"}
"""
VALUES = """\
controllers:
  notes:
    containers:
      app: {image: {repository: ghcr.io/x/notes, tag: "1"}}
      litestream: {image: {repository: litestream/litestream, tag: 0.5.5}, args: [replicate]}
    initContainers:
      restore: {image: {repository: litestream/litestream, tag: 0.5.5}}
"""
RELEASE = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: notes}
spec:
  chart: {spec: {chart: app-template, version: 3.7.3}}
  valuesFrom: [{kind: ConfigMap, name: notes-values}]
"""
KUSTOMIZATION = """\
resources: [helmrelease.yaml, config.yaml]
configMapGenerator:
  - {name: notes-values, files: [values.yaml]}
"""


def test_configs_and_hand_wired_containers_are_found(tmp_path: Path) -> None:
    inventory = tree_of(
        tmp_path,
        {
            f"{APP}/config.yaml": CONFIG,
            f"{APP}/values.yaml": VALUES,
            f"{APP}/helmrelease.yaml": RELEASE,
            f"{APP}/kustomization.yaml": KUSTOMIZATION,
        },
    )
    found = [(r.db, r.bucket, r.path) for r in existing_replicas(inventory, APP)]
    assert found == [
        ("/data/notes.db", "$${BUCKET}", "notes"),
        ("/data/notes.db", "litestream", "apps/notes"),
    ]
    wired = [(c.where, c.file, c.tag, c.init) for c in hand_wired(inventory, APP)]
    assert wired == [
        ("values controllers.notes.containers.litestream", f"{APP}/values.yaml", "0.5.5", False),
        ("values controllers.notes.initContainers.restore", f"{APP}/values.yaml", "0.5.5", True),
    ]


@pytest.mark.parametrize(
    ("line", "whole"),
    [
        ("mc rm --recursive --force --older-than 7d garage/litestream/", True),
        ("mc rm --recursive --force --older-than ${DAYS}d garage/$BUCKET || echo failed", True),
        ("mc rm --recursive --force --older-than 7d garage/litestream/apps/notes/", False),
        ("rclone delete --min-age 7d s3:litestream", True),
        ("rclone delete --min-age 7d s3:litestream/apps/notes", False),
        ("mc rm --recursive --force garage/litestream/", False),  # no age: not this warning
        ("echo removing objects older than 7d from garage/litestream/", False),
    ],
)
def test_a_blunt_cleanup_is_one_over_a_whole_bucket(line: str, whole: bool) -> None:
    assert _whole_bucket(line) is whole


def test_a_blunt_cleanup_is_found_in_a_cronjob(tmp_path: Path) -> None:
    job = (
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: clean}\nspec:\n"
        "  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n"
        "            - name: mc\n              image: minio/mc\n              command:\n"
        "                - sh\n                - -c\n                - |\n"
        "                  mc alias set s3 $URL $KEY $SECRET\n"
        "                  mc rm --recursive --force --older-than 7d s3/litestream\n"
    )
    inventory = tree_of(tmp_path, {"kubernetes/apps/storage/clean/cronjob.yaml": job})
    (found,) = blunt_cleanups(inventory)
    assert found.line == 17
    assert found.command == "mc rm --recursive --force --older-than 7d s3/litestream"


def test_acknowledge_migration_accepts_an_upgrade_but_nothing_accepts_a_downgrade(
    tmp_path: Path,
) -> None:
    root = materialise(CASES / "invalid/litestream-version-from-image", tmp_path / "up")

    def acknowledge(data: Any) -> None:
        data["spec"]["litestream"]["acknowledgeMigration"] = True
        data["spec"]["acknowledge"] = [{"id": "BP375", "reason": "removed in the same change"}]

    edit_yaml(root / "policies/services/web.yaml", acknowledge)
    result = compile_tree_at(root)
    assert errors(result) == []

    down = materialise(CASES / "invalid/litestream-downgrade", tmp_path / "down")

    def try_harder(data: Any) -> None:
        data["spec"]["litestream"] = {"acknowledgeMigration": True}
        data["spec"]["acknowledge"] = [{"id": "BP374", "reason": "I know"}]

    edit_yaml(down / "policies/services/web.yaml", try_harder)
    (refused,) = errors(compile_tree_at(down))
    assert refused.rule == "BP324" and "no policy can accept" in refused.message

    def acknowledge_migration(data: Any) -> None:
        del data["spec"]["acknowledge"]

    edit_yaml(down / "policies/services/web.yaml", acknowledge_migration)
    assert sorted(d.rule for d in errors(compile_tree_at(down))) == ["BP374", "BP375"]


def compile_tree_at(root: Path) -> BuildResult:
    return build(RunConfig(policies=root / "policies", output=root / "out"))


def test_the_example_keeps_linkdings_port_and_its_replicas(tmp_path: Path) -> None:
    root = copy_example(tmp_path)

    def default_port(data: Any) -> None:
        del data["spec"]["litestream"]

    edit_yaml(root / "policies/services/linkding.yaml", default_port)
    (problem,) = [d for d in errors(compile_tree(root)) if d.rule == "BP376"]
    assert "service app port http of HelmRelease linkding" in problem.message
    assert problem.hint == "set spec.litestream.metricsPort to a free port, e.g. 9091"

    root = copy_example(tmp_path / "moved")

    def rename(data: Any) -> None:
        data["spec"]["sqlite"][0]["replicaPath"] = "linkding"

    edit_yaml(root / "policies/services/linkding.yaml", rename)
    (problem,) = [d for d in errors(compile_tree(root)) if d.rule == "BP373"]
    assert "from 'productivity/linkding/db.sqlite3'" in problem.message  # the earlier compile
