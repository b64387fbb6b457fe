"""The litestream.yml emitters: exact key sets per version, durations, and refusals (SPEC §4)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from ruamel.yaml import YAML

from compiler.core.emit import dump
from compiler.tools.litestream.config import KEYS, emit, render_config
from compiler.tools.litestream.container import ContainerResources
from compiler.tools.litestream.resolve import (
    Credentials,
    Database,
    Replica,
    ServiceLitestream,
    Timing,
)
from compiler.tools.litestream.settings import Version
from tests.litestream.binaries import require_litestream

GO_DURATION = re.compile(r"^([0-9]+(h|m|s))+$")
GARAGE = Credentials("garage-s3", "access-key-id", "secret-access-key")
NAS = Credentials("nas-s3", "id", "secret")


def replica(
    target: str = "garage", path: str = "apps/paperless/db.sqlite3", creds: Credentials = GARAGE
) -> Replica:
    return Replica(target, "litestream", path, f"http://{target}:3900", "garage", creds)


def service(
    version: Version = "0.3",
    *replicas: Replica,
    validation: int | None = None,
    databases: tuple[Database, ...] | None = None,
) -> ServiceLitestream:
    dbs = databases or (Database(0, "/data/db.sqlite3", "data", "/data", replicas or (replica(),)),)
    return ServiceLitestream(
        "apps/paperless",
        "paperless",
        "apps",
        version,
        dbs,
        Timing(10, 3600, 168 * 3600, validation),
        9090,
        ContainerResources.model_validate({}),
    )


def parsed(spec: ServiceLitestream) -> dict[str, Any]:
    data = YAML(typ="safe", pure=True).load(render_config(spec))
    assert isinstance(data, dict)
    return data


def test_v03_key_set_is_exact_and_snapshot_interval_always_set() -> None:
    config = parsed(service("0.3"))
    assert set(config) == {"addr", "dbs"} and config["addr"] == ":9090"
    (db,) = config["dbs"]
    assert set(db) == {"path", "replicas"}
    (rep,) = db["replicas"]
    assert set(rep) == {
        "name",
        "type",
        "bucket",
        "path",
        "endpoint",
        "region",
        "force-path-style",
        "retention",
        "snapshot-interval",
        "sync-interval",
    }
    assert rep["snapshot-interval"] == "1h" and rep["retention"] == "168h"
    assert rep["sync-interval"] == "10s" and rep["force-path-style"] is True
    assert rep["path"] == "apps/paperless/db.sqlite3" and rep["name"] == "garage"


def test_v03_validation_interval_only_when_set() -> None:
    rep = parsed(service("0.3", validation=6 * 3600))["dbs"][0]["replicas"][0]
    assert rep["validation-interval"] == "6h"


def test_v05_key_set_is_exact_and_has_no_ignored_key() -> None:
    config = parsed(service("0.5", validation=3600))
    assert set(config) == {"addr", "snapshot", "dbs"}
    assert config["snapshot"] == {"interval": "1h", "retention": "168h"}
    (db,) = config["dbs"]
    assert set(db) == {"path", "replica"}
    assert set(db["replica"]) == {
        "type",
        "bucket",
        "path",
        "endpoint",
        "region",
        "force-path-style",
        "sync-interval",
    }
    # the 0.3-style per-replica keys that 0.5 silently ignores (SPEC §9.3) are never written
    assert not {"retention", "snapshot-interval", "validation-interval", "name"} & set(
        db["replica"]
    )


def _walk_keys(node: Any, level: str, version: str) -> None:
    allowed = KEYS[version]
    if isinstance(node, dict):
        assert set(node) <= allowed[level], (level, set(node) - allowed[level])
        for key, value in node.items():
            child = {
                "dbs": "db",
                "replicas": "replica",
                "replica": "replica",
                "snapshot": "snapshot",
            }.get(key)
            if child is not None:
                for item in value if isinstance(value, list) else [value]:
                    _walk_keys(item, child, version)


@pytest.mark.parametrize("version", ["0.3", "0.5"])
def test_every_emitted_key_is_in_the_versions_key_set(version: Version) -> None:
    multi = service(
        version,
        databases=(
            Database(0, "/data/a.db", "data", "/data", (replica(path="x/a.db"),)),
            Database(1, "/data/b.db", "data", "/data", (replica("nas", "x/b.db", NAS),)),
        ),
    )
    _walk_keys(parsed(multi), "top", version)
    _walk_keys(parsed(service(version)), "top", version)


@pytest.mark.parametrize("version", ["0.3", "0.5"])
def test_durations_are_quoted_go_durations(version: Version) -> None:
    text = render_config(service(version))
    values = re.findall(r"(?:interval|retention): (.*)$", text, re.MULTILINE)
    assert values
    for value in values:
        assert value.startswith('"') and GO_DURATION.match(value.strip('"')), value


def test_credentials_shared_are_implicit_and_never_inline() -> None:
    text = render_config(service("0.3"))
    assert "access-key-id" not in text and "secret" not in text


def test_credentials_per_target_are_env_references() -> None:
    spec = service("0.3", replica(), replica("minio-nas", creds=NAS))
    reps = parsed(spec)["dbs"][0]["replicas"]
    assert reps[0]["access-key-id"] == "${S3_GARAGE_ACCESS_KEY_ID}"
    assert reps[1]["secret-access-key"] == "${S3_MINIO_NAS_SECRET_ACCESS_KEY}"


def test_v05_emits_a_single_replica_per_database_or_refuses() -> None:
    """Rule BP362 refuses such a policy; the emitter refuses it too rather than drop one."""
    two = (replica(), replica("minio-nas", creds=NAS))
    with pytest.raises(ValueError, match=r"cannot replicate /data/db\.sqlite3"):
        emit(service("0.5", *two))
    assert len(emit(service("0.3", *two))["dbs"][0]["replicas"]) == 2


def test_database_without_replica_is_refused() -> None:
    spec = service("0.3", databases=(Database(0, "/data/db", "data", "/data", ()),))
    with pytest.raises(ValueError, match="cannot replicate /data/db"):
        emit(spec)


def test_dump_is_deterministic_and_injection_safe() -> None:
    # \u2028 and \x85 are left raw by JSON but folded or refused by YAML: escaped like q does
    data = {"a": "x: y\n- z", "b": [{"c": True, "d": 3}], "e": "#not a comment", "f": "l\u2028\x85"}
    text = dump(data)
    assert text == dump(data)
    assert YAML(typ="safe", pure=True).load(text) == data
    assert yaml.safe_load(text) == data  # YAML 1.1, like the Go parser Litestream uses
    with pytest.raises(ValueError):
        dump({"a": None})
    with pytest.raises(ValueError):
        dump({"bad: key": "x"})


def _binary_tags(binary: str) -> set[str]:
    """The YAML keys of the Go config structs: struct tags are kept in the binary."""
    return {m.decode() for m in re.findall(rb'yaml:"([^",]+)', Path(binary).read_bytes())}


@pytest.mark.integration
@pytest.mark.parametrize("version", ["0.3", "0.5"])
def test_key_sets_match_the_real_binaries_yaml_tags(version: str) -> None:
    """Every key we may emit is a YAML tag of that version's config structs (SPEC §9.3)."""
    binary = require_litestream(version)
    tags = _binary_tags(binary)
    for level, keys in KEYS[version].items():
        assert keys <= tags, (level, keys - tags)
    if version == "0.5":
        # 0.5 has no per-replica snapshot-interval any more: a 0.3-style key is ignored there.
        assert "snapshot-interval" not in tags


def test_key_set_of_a_real_config_file(tmp_path: Path) -> None:
    """The dumper output is what YAML 1.1 (Go's yaml.v2) reads too: no bare yes/no/on."""
    text = render_config(service("0.3"))
    assert "true" in text and " yes" not in text and " on\n" not in text
    (tmp_path / "litestream.yml").write_text(text)
    assert YAML(typ="safe", pure=True).load((tmp_path / "litestream.yml").read_text())
