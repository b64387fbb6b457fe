"""Every Litestream metric and label the alerts and the dashboard use, against the
``/metrics`` of the real binaries (0.3.13 and 0.5.17) running the generated configs.

The generated litestream.yml of paperless (0.3 with ``validationInterval``, and the 0.5
variant) replicates a real SQLite database to a real S3 server (SeaweedFS); only the
endpoint, the database path and the metrics address are made local (tests/litestream/local.py).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from compiler.core.emit import dump
from compiler.plan.alerts import TARGET_LABELS
from tests.alerts.helpers import compile_root, dashboard_exprs, rule_objects, selectors
from tests.litestream.binaries import require_litestream
from tests.litestream.example import AppLitestream, copy_example, edit_yaml, litestream_apps
from tests.litestream.local import credentials_env, localise, metrics, write_rows
from tests.support.fixtures import BucketFactory
from tests.support.litestream import Replicator
from tests.support.s3server import SeaweedS3

pytestmark = pytest.mark.integration

APP = "kubernetes/apps/productivity/paperless"
_SERIES = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s")


def exposition(text: str) -> dict[str, dict[str, set[str]]]:
    """Metric name -> label name -> the values seen, from Prometheus text format."""
    found: dict[str, dict[str, set[str]]] = {}
    for line in text.splitlines():
        match = _SERIES.match(line)
        if match is None or line.startswith("#"):
            continue
        labels = found.setdefault(match.group(1), {})
        for name, value in re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""):
            labels.setdefault(name, set()).add(value)
    return found


def _compiled(tmp: Path, change: Callable[[Path], None]) -> tuple[AppLitestream, list[str]]:
    root = copy_example(tmp)
    change(root)
    result = compile_root(root)
    assert result.outputs is not None
    rules = rule_objects(result.outputs)[f"{APP}/backup/prometheusrule.yaml"]
    exprs = [r["expr"] for g in rules["spec"]["groups"] for r in g["rules"]]
    exprs += [e for e in dashboard_exprs(result.outputs) if "paperless" in e]
    return litestream_apps(result)[APP], exprs


def _validating_03(root: Path) -> None:
    edit_yaml(
        root / "policies/cluster.yaml",
        lambda d: d["spec"]["litestream"].insert(2, "validationInterval", "2s"),
    )


def _on_05(root: Path) -> None:
    edit_yaml(
        root / "policies/services/paperless.yaml",
        lambda d: d["spec"].insert(
            len(d["spec"]) - 1, "litestream", {"version": "0.5", "acknowledgeMigration": True}
        ),
    )


def _scrape_until(addr: str, wanted: set[str], timeout: float = 30.0) -> dict[str, Any]:
    """The binary's metrics once every wanted name is there (validation runs after a while)."""
    deadline = time.monotonic() + timeout
    while True:
        found = exposition(metrics(addr))
        if wanted <= set(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


@pytest.mark.parametrize(
    "version, change", [("0.3", _validating_03), ("0.5", _on_05)], ids=["0.3", "0.5"]
)
def test_litestream_names_and_labels_exist_in_the_real_binary(
    version: str,
    change: Callable[[Path], None],
    s3_server: SeaweedS3,
    s3_buckets: BucketFactory,
    tmp_path: Path,
) -> None:
    app, exprs = _compiled(tmp_path / "example", change)
    assert app.version == version
    used = [s for e in exprs for s in selectors(e) if s.metric.startswith("litestream_")]
    assert {s.metric for s in used} >= {"litestream_db_size", "litestream_sync_error_count"}
    if version == "0.3":
        assert "litestream_replica_validation_total" in {s.metric for s in used}
    binary = require_litestream(version)
    config = localise(app, s3_buckets, tmp_path / "volume")
    (tmp_path / "volume").mkdir(parents=True)
    (tmp_path / "litestream.yml").write_text(dump(config))
    db = Path(config["dbs"][0]["path"])
    env = credentials_env(app, s3_server)
    with Replicator(tmp_path / "litestream.yml", env=env, binary=binary):
        write_rows(db, 1, 20)
        found = _scrape_until(config["addr"], {s.metric for s in used})
        write_rows(db, 21, 20)
    for selector in used:
        assert selector.metric in found, f"{version}: {selector.metric} not exported"
        for name, _, value in selector.labels:
            if name in TARGET_LABELS:
                continue  # set by the PodMonitor's scrape, not by litestream
            assert name in found[selector.metric], f"{version}: {selector.metric} has no {name}"
            if name == "db":  # the rule names the path the generated config declares...
                assert value == app.config["dbs"][0]["path"]
    # ...and the binary labels a database with the path its config declares
    assert found["litestream_db_size"]["db"] == {str(db)}
