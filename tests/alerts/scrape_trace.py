"""Scrapes of a real Litestream sidecar's ``/metrics`` taken while a test writes rows and
opens or closes its S3 endpoint, and their replay as the series Prometheus would store
(the PodMonitor's labels added) for ``promtool test rules``."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compiler.core.emit import dump
from tests.alerts.helpers import Value
from tests.alerts.test_litestream_metrics import exposition
from tests.litestream.example import AppLitestream
from tests.litestream.local import credentials_env, localise, metrics, replicas, write_rows
from tests.support.fixtures import BucketFactory
from tests.support.litestream import Replicator
from tests.support.s3server import SeaweedS3
from tests.support.tcpgate import TcpGate

APP = "kubernetes/apps/productivity/paperless"
RULES = f"{APP}/backup/prometheusrule.yaml"
HOLD = 3
"""Minutes each scrape stands for in a replay (a database written every few minutes,
scraped every minute)."""
TARGET = {
    "namespace": "productivity",
    "job": "productivity/paperless-litestream",
    "pod": "paperless-6d5f-x1",
    "container": "litestream",
    "endpoint": "metrics",
    "instance": "10.0.0.7:9090",
}
"""The labels the PodMonitor's scrape adds."""


@dataclass
class Trace:
    """The scrapes of the ``wanted`` metrics, in order, with the phase each was taken in;
    a series of ``only`` (metric -> label matcher) is kept only with that matcher."""

    wanted: tuple[str, ...]
    only: dict[str, str] = field(default_factory=dict)
    scrapes: list[tuple[str, dict[str, float]]] = field(default_factory=list)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)

    def take(self, phase: str, addr: str) -> None:
        text = metrics(addr)
        found: dict[str, float] = {}
        for line in text.splitlines():
            name = line.split("{", 1)[0].split(" ", 1)[0]
            if name in self.wanted and self.only.get(name, "") in line:
                found[name] = float(line.rsplit(" ", 1)[1])
        self.scrapes.append((phase, found))
        for name, labels in exposition(text).items():
            self.labels.setdefault(name, {k: min(v) for k, v in labels.items()})

    def of(self, phase: str, name: str) -> list[float | None]:
        return [values.get(name) for p, values in self.scrapes if p == phase]

    def replay(self, name: str, db: str | None) -> tuple[str, list[Value]]:
        """The metric as Prometheus stores it, ``db`` as the generated config declares it
        (None: a series without one, as 0.5's upload counter)."""
        labels = {**self.labels[name], **({"db": db} if db else {}), **TARGET}
        for matcher in [self.only[name]] if name in self.only else []:
            key, value = matcher.split("=", 1)
            labels[key] = value.strip('"')
        series = name + "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"
        samples: list[Value] = []
        for _, values in self.scrapes:
            samples += [values.get(name)] * HOLD
        return series, samples


def rounds(trace: Trace, phase: str, db: Path, addr: str, count: int, start: int) -> None:
    """``count`` scrapes in ``phase``, each after writing ten rows (ids from ``start``)."""
    for i in range(count):
        write_rows(db, start + 10 * i, 10)
        time.sleep(1.0)  # the db monitor and the replica (sync-interval 1s) pick it up
        trace.take(phase, addr)


@dataclass
class GatedSidecar:
    """A generated Litestream config run by the real binary on this machine, its one
    replica's S3 endpoint behind a gate (closed: refused) and its sync interval 1s."""

    replicator: Replicator
    gate: TcpGate
    db: Path
    addr: str
    replica: dict[str, Any]

    def stop(self, flush: bool) -> None:
        """Stop the binary (``flush``: with S3 reachable, as 0.5 waits to flush to it on
        SIGTERM), then close the gate."""
        if flush:
            self.gate.open()
        self.replicator.stop(check=False)
        self.gate.close()


def gated_sidecar(
    app: AppLitestream, binary: str, s3_server: SeaweedS3, s3_buckets: BucketFactory, work: Path
) -> GatedSidecar:
    """The sidecar of ``app`` started in ``work`` with its gate closed, ten rows written."""
    (work / "volume").mkdir()
    config = localise(app, s3_buckets, work / "volume")
    db = Path(config["dbs"][0]["path"])
    (replica,) = replicas(config["dbs"][0])
    gate = TcpGate(("127.0.0.1", s3_server.port))
    replica["endpoint"] = gate.endpoint
    replica["sync-interval"] = "1s"
    (work / "litestream.yml").write_text(dump(config))
    write_rows(db, 1, 10)
    env = credentials_env(app, s3_server)
    replicator = Replicator(work / "litestream.yml", env=env, binary=binary)
    replicator.start()
    return GatedSidecar(replicator, gate, db, str(config["addr"]), replica)
