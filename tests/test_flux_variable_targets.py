"""An s3 target's endpoint, bucket and region as Flux variables (rule BP305): written for Flux
to substitute, not escaped like every other ``${``; substituted the way Flux does, the
Litestream config parses with the real 0.3 binary and names the substituted store."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

from compiler.tree.fluxapps import substitute
from tests.litestream.binaries import require_litestream
from tests.test_cases import compiled_case

BACKUP = "kubernetes/apps/apps/web/backup/"
VARIABLES = {"S3_BUCKET": "backups", "S3_REGION": ""}  # an empty value takes the := default


def _outputs(tmp_path: Path) -> dict[str, str]:
    return compiled_case("flux-variable-target", tmp_path)


def _substituted(text: str) -> list[Any]:
    done = substitute(text, VARIABLES)
    assert done is not None, "a variable stayed unknown"
    return [d for d in yaml.safe_load_all(done) if d]


def test_variables_are_written_for_flux_and_substitute(tmp_path: Path) -> None:
    outputs = _outputs(tmp_path)
    for name in ("litestream-config.yaml", "k8up-schedule.yaml"):
        assert "$${S3_" not in outputs[BACKUP + name], name
    (schedule,) = _substituted(outputs[BACKUP + "k8up-schedule.yaml"])
    s3 = schedule["spec"]["backend"]["s3"]
    assert (s3["endpoint"], s3["bucket"]) == ("http://garage.storage.svc:3900", "backups")


def test_substituted_litestream_config_parses_with_the_real_binary(tmp_path: Path) -> None:
    binary = require_litestream("0.3")
    (config_map,) = _substituted(_outputs(tmp_path)[BACKUP + "litestream-config.yaml"])
    (text,) = config_map["data"].values()
    replica = yaml.safe_load(text)["dbs"][0]["replicas"][0]
    assert replica["bucket"] == "backups" and replica["region"] == "garage"
    assert replica["endpoint"] == "http://garage.storage.svc:3900"
    config = tmp_path / "litestream.yml"
    config.write_text(text)
    done = subprocess.run(
        [binary, "databases", "-config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "/data/db.sqlite3" in done.stdout


def test_generated_flux_kustomizations_substitute_from_what_the_tree_uses(
    tmp_path: Path,
) -> None:
    """Flux fills a variable only from its own Kustomization: the ks.yaml of the cleanup's
    folder copies the entry's substituteFrom, so its CronJob gets the bucket, not ''."""
    outputs = _outputs(tmp_path)
    cleanup = "kubernetes/apps/storage/litestream-cleanup/"
    assert "${S3_BUCKET}" in outputs[cleanup + "cleanup-garage.yaml"]
    (flux,) = [d for d in yaml.safe_load_all(outputs[cleanup + "ks.yaml"]) if d]
    assert flux["spec"]["postBuild"] == {
        "substitute": {"BACKUP_POLICY_FOLDER": cleanup.rstrip("/")},
        "substituteFrom": [{"kind": "Secret", "name": "cluster-secrets"}],
    }
