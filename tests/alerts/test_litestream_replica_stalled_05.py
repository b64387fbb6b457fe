"""LitestreamReplicaStalled for 0.5 against the real Litestream 0.5.17 binary: what its
``/metrics`` show while S3 refuses connections from the start, then works, then goes away,
replayed into the generated rule with ``promtool test rules``.

paperless on 0.5 (its policy acknowledges the migration) replicates a real SQLite database to
the session's SeaweedFS through a TCP gate the test opens and closes; only the endpoint, the
database path, the metrics address and the sync interval (1s) are made local. Rows are
written before every scrape.

Seen with the real binary (the reason for the rule's shape): 0.5 has no per-replica series;
``litestream_replica_operation_total{operation="PUT"}`` (per process, no ``db``) counts
successful uploads only and stops while S3 is gone, as ``litestream_total_wal_bytes`` and
``litestream_txid`` go on growing; a sidecar that cannot reach S3 when it starts syncs
nothing (``litestream_txid`` and the WAL counters stay 0, no upload series at all).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from compiler.core.durations import parse_duration
from compiler.core.emit import dump
from tests.alerts.helpers import (
    Scenario,
    Value,
    compile_root,
    rule_file,
    rule_objects,
    run_promtool_test,
)
from tests.alerts.test_litestream_metrics import _on_05, exposition
from tests.alerts.test_litestream_replica_stalled import HOLD, TARGET
from tests.litestream.binaries import require_litestream
from tests.litestream.example import copy_example, litestream_apps
from tests.litestream.local import credentials_env, localise, metrics, write_rows
from tests.support.fixtures import BucketFactory
from tests.support.litestream import Replicator
from tests.support.s3server import SeaweedS3
from tests.support.tcpgate import TcpGate

pytestmark = pytest.mark.integration

APP = "kubernetes/apps/productivity/paperless"
RULES = f"{APP}/backup/prometheusrule.yaml"
TOTAL, TXID, PUTS = (
    "litestream_total_wal_bytes",
    "litestream_txid",
    "litestream_replica_operation_total",
)
ALERT = "LitestreamReplicaStalled"


@dataclass
class Trace:
    """The scrapes, in order, with the phase each was taken in."""

    scrapes: list[tuple[str, dict[str, float]]] = field(default_factory=list)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)

    def take(self, phase: str, addr: str) -> None:
        text = metrics(addr)
        found: dict[str, float] = {}
        for line in text.splitlines():
            name = line.split("{", 1)[0].split(" ", 1)[0]
            if name in (TOTAL, TXID) or (name == PUTS and 'operation="PUT"' in line):
                found[name] = float(line.rsplit(" ", 1)[1])
        self.scrapes.append((phase, found))
        for name, labels in exposition(text).items():
            if name == PUTS:
                labels = {**labels, "operation": {"PUT"}}
            self.labels.setdefault(name, {k: min(v) for k, v in labels.items()})

    def of(self, phase: str, name: str) -> list[float | None]:
        return [values.get(name) for p, values in self.scrapes if p == phase]

    def replay(self, name: str, db: str | None) -> tuple[str, list[Value]]:
        """The metric as Prometheus stores it: the PodMonitor's labels added, ``db`` as
        the generated config declares it (the upload counter has none)."""
        labels = {**self.labels[name], **({"db": db} if db else {}), **TARGET}
        series = name + "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"
        samples: list[Value] = []
        for _, values in self.scrapes:
            samples += [values.get(name)] * HOLD
        return series, samples


def _rounds(trace: Trace, phase: str, db: Path, addr: str, count: int, start: int) -> None:
    for i in range(count):
        write_rows(db, start + 10 * i, 10)
        time.sleep(1.2)  # the db monitor and the replica (sync-interval 1s) pick it up
        trace.take(phase, addr)


def _until_uploaded(trace: Trace, db: Path, addr: str, limit: float = 60.0) -> None:
    """Scrapes (phase "recovering") until the first upload is counted."""
    deadline = time.monotonic() + limit
    start = 500
    while not trace.scrapes or PUTS not in trace.scrapes[-1][1]:
        assert time.monotonic() < deadline, "no upload within a minute of S3 coming back"
        _rounds(trace, "recovering", db, addr, 1, start)
        start += 10


def test_a_05_replica_that_cannot_upload_fires(
    s3_server: SeaweedS3, s3_buckets: BucketFactory, tmp_path: Path
) -> None:
    binary = require_litestream("0.5")
    root = copy_example(tmp_path / "example")
    _on_05(root)
    result = compile_root(root)
    assert result.outputs is not None
    app = litestream_apps(result)[APP]
    generated_db = app.config["dbs"][0]["path"]
    (tmp_path / "volume").mkdir()
    config = localise(app, s3_buckets, tmp_path / "volume")
    db = Path(config["dbs"][0]["path"])
    replica = config["dbs"][0]["replica"]
    gate = TcpGate(("127.0.0.1", s3_server.port))  # closed: connections are refused
    replica["endpoint"] = gate.endpoint
    replica["sync-interval"] = "1s"
    (tmp_path / "litestream.yml").write_text(dump(config))
    write_rows(db, 1, 10)
    replicator = Replicator(
        tmp_path / "litestream.yml", env=credentials_env(app, s3_server), binary=binary
    )
    trace = Trace()
    replicator.start()
    try:
        _rounds(trace, "refused", db, config["addr"], 4, 100)  # unreachable from the start
        gate.open()  # 0.5 retries its replica after a backoff of several seconds
        _until_uploaded(trace, db, config["addr"])
        _rounds(trace, "healthy", db, config["addr"], 5, 1000)
        gate.close()  # the S3 server goes away
        _rounds(trace, "outage", db, config["addr"], 10, 2000)
    finally:
        gate.open()  # 0.5 flushes to its replica on SIGTERM and waits for S3 to do it
        replicator.stop(check=False)
        gate.close()

    # the binary: nothing synced nor uploaded while S3 refused from the start...
    assert trace.of("refused", TXID) == trace.of("refused", TOTAL) == [0.0] * 4
    assert trace.of("refused", PUTS) == [None] * 4
    # ...uploads counted while healthy...
    healthy = [v for v in trace.of("healthy", PUTS) if v is not None]
    assert len(healthy) >= 3 and healthy[-1] > healthy[0], trace.scrapes
    # ...and frozen during the outage, while the database goes on writing WAL
    outage = trace.of("outage", PUTS)
    assert len(set(outage[1:])) == 1, outage  # an upload may finish at the cut
    total = trace.of("outage", TOTAL)
    assert None not in total and total[-1] > total[1], total  # type: ignore[operator]

    # the generated rule on the replay
    rules = rule_file(rule_objects(result.outputs)[RULES], tmp_path / "rules.yaml")
    stalled = next(
        r
        for g in rule_objects(result.outputs)[RULES]["spec"]["groups"]
        for r in g["rules"]
        if r["alert"] == ALERT
    )
    window = int(stalled["expr"].split("[", 1)[1].split("]", 1)[0].removesuffix("m"))
    wait = parse_duration(stalled["for"]) // 60
    scenario = Scenario(
        dict(
            [
                trace.replay(TOTAL, generated_db),
                trace.replay(TXID, generated_db),
                trace.replay(PUTS, None),
            ]
        )
    )
    puts = [values.get(PUTS) for _, values in trace.scrapes]
    refused_end = 4 * HOLD - 1
    healthy_start = (4 + len(trace.of("recovering", PUTS))) * HOLD
    outage_start = healthy_start + 5 * HOLD
    moves = [i * HOLD for i in range(1, len(puts)) if puts[i] != puts[i - 1]]
    last_upload = moves[-1]
    end = len(puts) * HOLD - 1
    assert last_upload <= outage_start + HOLD
    assert last_upload + window + wait + HOLD <= end, "the outage is too short to fire"
    assert refused_end >= wait, "the refused start is too short to fire"
    scenario.expect(refused_end, ALERT, "firing")  # txid 0: nothing synced since the start
    for minute in range(healthy_start + HOLD, outage_start, 2):  # once uploads are seen
        scenario.expect(minute, ALERT, "none")
    scenario.expect(end, ALERT, "firing", backup_policy_item=f"sqlite:{generated_db}")
    run_promtool_test(rules, scenario, tmp_path)
