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
from pathlib import Path

import pytest

from compiler.core.durations import parse_duration
from tests.alerts.helpers import (
    Scenario,
    compile_root,
    rule_file,
    rule_objects,
    run_promtool_test,
)
from tests.alerts.scrape_trace import APP, HOLD, RULES, Trace, gated_sidecar, rounds
from tests.alerts.test_litestream_metrics import _on_05
from tests.litestream.binaries import require_litestream
from tests.litestream.example import copy_example, litestream_apps
from tests.support.fixtures import BucketFactory
from tests.support.s3server import SeaweedS3

pytestmark = pytest.mark.integration

TOTAL, TXID, PUTS = (
    "litestream_total_wal_bytes",
    "litestream_txid",
    "litestream_replica_operation_total",
)
ALERT = "LitestreamReplicaStalled"


def _until_uploaded(trace: Trace, db: Path, addr: str, limit: float = 60.0) -> None:
    """Scrapes (phase "recovering") until the first upload is counted."""
    deadline = time.monotonic() + limit
    start = 500
    while not trace.scrapes or PUTS not in trace.scrapes[-1][1]:
        assert time.monotonic() < deadline, "no upload within a minute of S3 coming back"
        rounds(trace, "recovering", db, addr, 1, start)
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
    sidecar = gated_sidecar(app, binary, s3_server, s3_buckets, tmp_path)
    trace = Trace((TOTAL, TXID, PUTS), only={PUTS: 'operation="PUT"'})
    db, addr = sidecar.db, sidecar.addr
    try:
        rounds(trace, "refused", db, addr, 4, 100)  # unreachable from the start
        sidecar.gate.open()  # 0.5 retries its replica after a backoff of several seconds
        _until_uploaded(trace, db, addr)
        rounds(trace, "healthy", db, addr, 5, 1000)
        sidecar.gate.close()  # the S3 server goes away
        rounds(trace, "outage", db, addr, 10, 2000)
    finally:
        sidecar.stop(flush=True)  # 0.5 flushes to its replica on SIGTERM, waiting for S3

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
