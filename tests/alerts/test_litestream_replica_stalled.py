"""LitestreamReplicaStalled against the real Litestream 0.3.13 binary: what its ``/metrics``
show while the replica's S3 endpoint refuses connections, then works, then goes away again,
replayed into the generated rule with ``promtool test rules``.

The generated litestream.yml of paperless replicates a real SQLite database to the session's
SeaweedFS through a TCP gate the test opens and closes (tests/support/tcpgate.py); only the
endpoint, the database path, the metrics address and the sync interval (1s, so the test is
quick) are made local. Rows are written before every scrape.

Seen with the real binary (the reason for the rule): a failed upload is only logged
(``monitor error``); ``litestream_sync_error_count`` stays 0 whatever the replica does;
``litestream_total_wal_bytes`` grows with every write; the replica's
``litestream_replica_wal_index``/``_offset`` move only after an upload succeeded, and do not
exist until the first one did.

The replay: each scrape becomes 3 minutes of samples (a database written every few minutes,
scraped every minute), with the labels the PodMonitor adds and ``db`` as the generated
config declares it; the generated rule (its window and ``for`` as compiled) must be quiet
while the replica uploads and fire once it has not moved for the window plus ``for``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.core.durations import parse_duration
from tests.alerts.helpers import (
    Scenario,
    example_result,
    rule_file,
    rule_objects,
    run_promtool_test,
)
from tests.alerts.scrape_trace import APP, HOLD, RULES, Trace, gated_sidecar, rounds
from tests.litestream.binaries import require_litestream
from tests.litestream.example import litestream_apps
from tests.support.fixtures import BucketFactory
from tests.support.s3server import SeaweedS3

pytestmark = pytest.mark.integration

TOTAL, INDEX, OFFSET = (
    "litestream_total_wal_bytes",
    "litestream_replica_wal_index",
    "litestream_replica_wal_offset",
)
ERRORS = "litestream_sync_error_count"


def test_a_replica_that_cannot_upload_fires_and_sync_errors_stay_0(
    s3_server: SeaweedS3, s3_buckets: BucketFactory, tmp_path: Path
) -> None:
    binary = require_litestream("0.3")
    result = example_result()
    assert result.outputs is not None
    app = litestream_apps(result)[APP]
    generated_db = app.config["dbs"][0]["path"]
    sidecar = gated_sidecar(app, binary, s3_server, s3_buckets, tmp_path)
    target = sidecar.replica["name"]  # the generated config names a replica after its target
    trace = Trace((TOTAL, INDEX, OFFSET, ERRORS))
    db, addr = sidecar.db, sidecar.addr
    try:
        rounds(trace, "refused", db, addr, 4, 100)  # wrong endpoint from start
        sidecar.gate.open()
        rounds(trace, "healthy", db, addr, 5, 1000)
        sidecar.gate.close()  # the S3 server goes away
        rounds(trace, "outage", db, addr, 10, 2000)
    finally:
        sidecar.stop(flush=False)
    log = sidecar.replicator.log_path.read_text()
    assert "monitor error" in log and "connection refused" in log

    # the binary: the local sync never fails, whatever the replica does...
    assert {v for _, values in trace.scrapes for k, v in values.items() if k == ERRORS} == {0}
    for phase in ("refused", "healthy", "outage"):  # ...and the database writes WAL throughout
        total = [v for v in trace.of(phase, TOTAL) if v is not None]
        assert len(total) == len(trace.of(phase, TOTAL)) and total[-1] > total[0], total
    # no upload succeeded yet: no replica series at all
    assert trace.of("refused", INDEX) == trace.of("refused", OFFSET) == [None] * 4
    healthy = list(zip(trace.of("healthy", INDEX), trace.of("healthy", OFFSET), strict=True))
    assert None not in healthy[-1] and len(set(healthy)) >= 3, healthy  # it moves
    outage = list(zip(trace.of("outage", INDEX), trace.of("outage", OFFSET), strict=True))
    assert len(set(outage[1:])) == 1, outage  # it stops (an upload may finish at the cut)
    assert trace.labels[INDEX]["name"] == trace.labels[OFFSET]["name"] == target

    # the generated rule on the replay
    rules = rule_file(rule_objects(result.outputs)[RULES], tmp_path / "rules.yaml")
    stalled = next(
        r
        for g in rule_objects(result.outputs)[RULES]["spec"]["groups"]
        for r in g["rules"]
        if r["alert"] == "LitestreamReplicaStalled"
    )
    window = int(stalled["expr"].split("[", 1)[1].split("]", 1)[0].removesuffix("m"))
    wait = parse_duration(stalled["for"]) // 60
    scenario = Scenario(dict(trace.replay(name, generated_db) for name in (TOTAL, INDEX, OFFSET)))
    scenario.series.update([trace.replay(ERRORS, generated_db)])
    positions = [(v.get(INDEX), v.get(OFFSET)) for _, v in trace.scrapes]
    refused_end = 4 * HOLD - 1
    outage_start = 9 * HOLD
    moves = [i * HOLD for i in range(1, len(positions)) if positions[i] != positions[i - 1]]
    # the replica's series appear with the first upload; the first move after that ends
    # the alert (how soon depends on the machine's load, so it is read from the trace)
    first_move = next(m for m in moves if positions[m // HOLD - 1] != (None, None))
    moved_at = moves[-1]
    end = len(positions) * HOLD - 1
    assert first_move < outage_start and moved_at <= outage_start + HOLD
    assert moved_at + window + wait + HOLD <= end, "the outage is too short to fire"
    scenario.expect(refused_end, "LitestreamReplicaStalled", "firing")
    for minute in range(first_move + 1, moved_at + window - 1, 2):
        scenario.expect(minute, "LitestreamReplicaStalled", "none")
    scenario.expect(end, "LitestreamReplicaStalled", "firing", backup_policy_target=target)
    scenario.expect(end, "LitestreamSyncErrors", "none")  # the rule the audit found blind
    run_promtool_test(rules, scenario, tmp_path)
