"""The generation-aware Litestream 0.3 cleanup script (SPEC §4, §9.2) against real components.

Generations are made by the real litestream 0.3 binary in a real S3 server (the session's
SeaweedFS, two fresh buckets for this module); the
script runs with the real rclone, under busybox sh with busybox tools when busybox is installed
(as in the rclone/rclone image), else under /bin/sh. Ages are real: older generations are made
first, and the retention passed to the script lies between the ages of the old and of the recent
generations. Bucket contents are checked with an independent stdlib S3 client, not with rclone.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.support.litestream import (
    Database,
    Replicator,
    S3Replica,
    litestream_env,
    restore,
    write_config,
)
from tests.support.s3server import SeaweedS3, go_env

# One xdist worker runs the whole module (--dist loadgroup): the scenario is built once.
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("litestream-cleanup-scenario")]

SCRIPT = Path(__file__).resolve().parents[2] / "templates" / "litestream" / "cleanup.sh"
# Replica names; each replica has a fresh bucket named after it (Scenario.buckets).
MAIN = "litestream-main"  # the real cleanup runs here
SPARE = "litestream-spare"  # same generations (second replica): dry run and failure cases
REMOTE = "s3"
GAP_SECONDS = 7.0  # between the last old and the first recent generation


def require(*tools: str) -> None:
    """Skip naming the missing tools; when CI=true a missing tool fails instead."""
    missing = [t for t in tools if shutil.which(t) is None]
    if not missing:
        return
    message = f"required tool(s) not installed: {', '.join(missing)}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


# -- running the script ---------------------------------------------------------------------


def busybox_path(tmp: Path) -> str | None:
    """A PATH holding only busybox applets and rclone, like the rclone/rclone image."""
    busybox = shutil.which("busybox")
    if busybox is None:
        return None
    bindir = tmp / "busybox-bin"
    if bindir.exists():
        return str(bindir)
    bindir.mkdir()
    applets = subprocess.run(
        [busybox, "--list"], capture_output=True, text=True, check=True
    ).stdout.split()
    for applet in applets:
        (bindir / applet).symlink_to(busybox)
    rclone = shutil.which("rclone")
    if rclone is not None:
        (bindir / "rclone").symlink_to(rclone)
    return str(bindir)


@dataclass
class Shell:
    name: str
    argv: list[str]
    path: str  # PATH for the script

    def run(
        self, env: Mapping[str, str], timeout: float = 60.0
    ) -> subprocess.CompletedProcess[str]:
        full_env = go_env({**env, "PATH": self.path})
        return subprocess.run(
            [*self.argv, str(SCRIPT)],
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )


def make_shell(kind: str, tmp: Path) -> Shell:
    if kind == "busybox":
        path = busybox_path(tmp)
        require_tool("busybox (the production image runs busybox sh)", path is not None)
        assert path is not None
        return Shell("busybox", [str(Path(path) / "sh")], path)
    return Shell("sh", ["/bin/sh"], os.environ.get("PATH", "/usr/bin:/bin"))


def decisions(output: str) -> list[tuple[str, str, str]]:
    """(decision, path, generation) for every generation decision printed by the script."""
    pattern = re.compile(
        r"^(keep newest|keep recent|delete expired) path=(\S+) generation=([0-9a-f]{16}) "
    )
    return [(m[1], m[2], m[3]) for m in map(pattern.match, output.splitlines()) if m]


def ages(output: str) -> dict[str, int]:
    return {
        m.group(1): int(m.group(2))
        for m in re.finditer(r"generation=([0-9a-f]{16}) age=(\d+)s", output)
    }


# -- the scenario ---------------------------------------------------------------------------


@dataclass
class App:
    key: str
    replica_path: str
    declared: bool
    db: Path
    generations: list[str] = field(default_factory=list)
    rows: int = 0

    def write_rows(self, count: int) -> None:
        with sqlite3.connect(self.db, timeout=10) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, label TEXT)")
            for _ in range(count):
                self.rows += 1
                conn.execute(
                    "INSERT INTO items (id, label) VALUES (?, ?)",
                    (self.rows, f"{self.key}-{self.rows}"),
                )
        conn.close()  # the last connection closes: SQLite checkpoints and removes the WAL


def read_rows(db: Path) -> list[tuple[int, str]]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.execute("SELECT id, label FROM items ORDER BY id"))
    finally:
        conn.close()


@dataclass
class Scenario:
    s3: SeaweedS3
    shell: Shell
    tmp: Path
    buckets: dict[str, str]  # replica name -> its bucket
    apps: dict[str, App]
    ls_env: dict[str, str]
    retention: int
    expired: dict[str, set[str]]  # replica path -> generations that must be deleted
    before: dict[str, set[str]]  # replica name -> keys in its bucket before the cleanup runs
    real: subprocess.CompletedProcess[str]
    dry: subprocess.CompletedProcess[str]

    def keys(self, replica: str) -> set[str]:
        return {o.key for o in self.s3.list_objects(self.buckets[replica])}

    def declared_paths(self) -> str:
        return "\n".join(a.replica_path for a in self.apps.values() if a.declared)

    def script_env(self, replica: str, retention: int, **extra: str) -> dict[str, str]:
        return {
            **self.s3.rclone_env(REMOTE),
            "RCLONE_REMOTE": REMOTE,
            "BUCKET": self.buckets[replica],
            "RETENTION_SECONDS": str(retention),
            "DECLARED_PATHS": self.declared_paths(),
            **extra,
        }

    def config_for(self, app: App) -> Path:
        return write_config(
            self.tmp / f"restore-{app.key}.yml", [database(self.s3, self.buckets, app)]
        )


def database(s3: SeaweedS3, buckets: dict[str, str], app: App) -> Database:
    return Database(
        app.db,
        tuple(
            S3Replica(bucket=bucket, path=app.replica_path, endpoint=s3.endpoint, name=replica)
            for replica, bucket in buckets.items()
        ),
    )


def new_generations(
    s3: SeaweedS3, buckets: dict[str, str], tmp: Path, env: dict[str, str], apps: list[App]
) -> None:
    """One litestream run over ``apps``: each gets a new generation in both buckets.

    Rows are written while litestream is stopped (that is what makes the next start open a new
    generation) and while it replicates (synced at the latest by the final sync on SIGTERM).
    """
    for app in apps:
        app.write_rows(3)
    run = len(list(tmp.glob("cycle-*.yml")))
    config = write_config(tmp / f"cycle-{run}.yml", [database(s3, buckets, a) for a in apps])
    with Replicator(config, env=env) as replicator:
        for app in apps:
            gen = replicator.wait_for_new_generation(
                app.db, set(app.generations), replicas=[MAIN, SPARE]
            )
            app.generations.append(gen)
        for app in apps:
            app.write_rows(2)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory, s3_server: SeaweedS3) -> Scenario:
    require("weed", "litestream", "rclone")
    tmp = tmp_path_factory.mktemp("litestream-cleanup")
    shell = make_shell("busybox" if shutil.which("busybox") else "sh", tmp)
    buckets = {replica: s3_server.new_bucket(replica).name for replica in (MAIN, SPARE)}
    env = litestream_env(s3_server.access_key, s3_server.secret_key)
    apps = {
        key: App(key, path, declared, tmp / f"{key}.db")
        for key, path, declared in [
            ("a", "productivity/paperless/db.sqlite3", True),
            ("b", "home/mealie/db.sqlite3", True),
            ("stopped", "home/stopped-app/db.sqlite3", True),
            ("stale", "stale-app/db.sqlite3", False),
            # shares the declared path as a string prefix: must not count as declared
            ("lookalike", "productivity/paperless/db.sqlite3-old", False),
        ]
    }
    a, b, stopped, stale, lookalike = apps.values()

    # Old generations: a1, a2, b1, stopped1 (its only one), stale1, stale2, lookalike1.
    new_generations(s3_server, buckets, tmp, env, [a, b, stopped, stale, lookalike])
    new_generations(s3_server, buckets, tmp, env, [a, stale])
    old_end = time.time()
    time.sleep(GAP_SECONDS)
    # Recent generations: a3 (newest), b2 (recent, not newest), b3 (newest).
    recent_start = time.time()
    new_generations(s3_server, buckets, tmp, env, [a, b])
    new_generations(s3_server, buckets, tmp, env, [b])

    assert len(a.generations) == 3
    assert len(b.generations) == 3
    assert len(stopped.generations) == 1
    # Ages seen by the script are whole seconds (truncated modtimes, `date +%s`): the
    # retention lies at least 1 s + 2 s (time until the scripts read the clock) away from
    # the ages of the recent and of the old generations.
    now = time.time()
    retention = math.ceil(now - recent_start) + 3
    if now - old_end < retention + 3:
        pytest.fail(f"timing assumption broken: old={now - old_end:.1f}s R={retention}s")

    before = {r: {o.key for o in s3_server.list_objects(b)} for r, b in buckets.items()}
    scenario = Scenario(
        s3=s3_server,
        buckets=buckets,
        shell=shell,
        tmp=tmp,
        apps=apps,
        ls_env=env,
        retention=retention,
        expired={
            a.replica_path: set(a.generations[:2]),
            b.replica_path: {b.generations[0]},
        },
        before=before,
        real=subprocess.CompletedProcess([], 0),
        dry=subprocess.CompletedProcess([], 0),
    )
    scenario.dry = shell.run(scenario.script_env(SPARE, retention, DRY_RUN="1"))
    scenario.real = shell.run(scenario.script_env(MAIN, retention))
    return scenario


def generation_keys(keys: set[str], replica_path: str, generation: str) -> set[str]:
    prefix = f"{replica_path}/generations/{generation}/"
    return {k for k in keys if k.startswith(prefix)}


def only_generation(app: App) -> tuple[str, str]:
    assert len(app.generations) == 1
    return app.replica_path, app.generations[0]


def check_restore(scenario: Scenario, app: App) -> None:
    out = scenario.tmp / f"restored-{app.key}-{time.monotonic_ns()}.db"
    restore(scenario.config_for(app), app.db, out, env=scenario.ls_env, replica=MAIN)
    restored = read_rows(out)
    assert restored == read_rows(app.db)
    assert len(restored) == app.rows


# -- (a) static analysis ----------------------------------------------------------------------


def test_script_passes_shellcheck() -> None:
    require("shellcheck")
    result = subprocess.run(
        ["shellcheck", "-s", "sh", str(SCRIPT)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_script_is_plain_posix_sh_without_template_syntax() -> None:
    text = SCRIPT.read_text()
    assert text.startswith("#!/bin/sh\n")
    assert "{{" not in text
    assert "{%" not in text
    assert "{#" not in text
    assert os.access(SCRIPT, os.X_OK)


# -- (b) the cleanup on generations made by litestream ---------------------------------------


def test_expired_generations_deleted_newest_and_recent_kept(scenario: Scenario) -> None:
    result = scenario.real
    assert result.returncode == 0, result.stdout + result.stderr
    a, b = scenario.apps["a"], scenario.apps["b"]
    assert sorted(decisions(result.stdout)) == sorted(
        [
            ("delete expired", a.replica_path, a.generations[0]),
            ("delete expired", a.replica_path, a.generations[1]),
            ("keep newest", a.replica_path, a.generations[2]),
            ("delete expired", b.replica_path, b.generations[0]),
            ("keep recent", b.replica_path, b.generations[1]),
            ("keep newest", b.replica_path, b.generations[2]),
            ("keep newest", *only_generation(scenario.apps["stopped"])),
        ]
    )
    after = scenario.keys(MAIN)
    deleted = set().union(
        *(
            generation_keys(scenario.before[MAIN], path, gen)
            for path, gens in scenario.expired.items()
            for gen in gens
        )
    )
    assert deleted  # the expired generations had objects before the cleanup
    assert after == scenario.before[MAIN] - deleted  # exactly those, nothing else
    for app in (a, b):
        assert generation_keys(after, app.replica_path, app.generations[-1])


def test_undeclared_prefixes_reported_never_deleted(scenario: Scenario) -> None:
    out = scenario.real.stdout
    after = scenario.keys(MAIN)
    for key in ("stale", "lookalike"):
        app = scenario.apps[key]
        assert f"report undeclared path={app.replica_path} " in out
        prefix = app.replica_path + "/"
        kept = {k for k in after if k.startswith(prefix)}
        assert kept == {k for k in scenario.before[MAIN] if k.startswith(prefix)}
        assert kept
        # all of them are older than the retention: only the undeclared status saved them
        for gen in app.generations:
            assert generation_keys(after, app.replica_path, gen)
    assert "stale-app" not in {p for _, p, _ in decisions(out)}


def test_restore_returns_every_row_after_cleanup(scenario: Scenario) -> None:
    assert scenario.real.returncode == 0
    for key in ("a", "b"):
        check_restore(scenario, scenario.apps[key])


# -- (c) a stopped app keeps its only generation -----------------------------------------------


def test_stopped_app_keeps_its_only_expired_generation(scenario: Scenario) -> None:
    app = scenario.apps["stopped"]
    path, gen = only_generation(app)
    out = scenario.real.stdout
    assert ("keep newest", path, gen) in decisions(out)
    assert ages(out)[gen] > scenario.retention  # older than the retention, kept anyway
    after = scenario.keys(MAIN)
    assert generation_keys(after, path, gen) == generation_keys(scenario.before[MAIN], path, gen)
    check_restore(scenario, app)


# -- (d) dry run -------------------------------------------------------------------------------


def test_dry_run_deletes_nothing(scenario: Scenario) -> None:
    result = scenario.dry
    assert result.returncode == 0, result.stdout + result.stderr
    assert scenario.keys(SPARE) == scenario.before[SPARE]
    would = set(re.findall(r"^dry run: would purge (\S+)$", result.stdout, re.M))
    assert would == {
        f"{REMOTE}:{scenario.buckets[SPARE]}/{path}/generations/{gen}"
        for path, gens in scenario.expired.items()
        for gen in gens
    }
    assert "purging" not in result.stdout


@pytest.mark.parametrize("kind", ["busybox", "sh"])
def test_dry_run_same_decisions_under_each_shell(scenario: Scenario, kind: str) -> None:
    shell = make_shell(kind, scenario.tmp)
    # a retention far from every age, so that both runs see the same decisions
    env = scenario.script_env(SPARE, 3600, DRY_RUN="true")
    # space-separated, with stray slashes and a duplicate: normalised by the script
    paths = [*env["DECLARED_PATHS"].split(), scenario.apps["a"].replica_path]
    env["DECLARED_PATHS"] = " ".join(f"/{path}/" for path in paths)
    result = shell.run(env)
    assert result.returncode == 0, result.stdout + result.stderr
    got = decisions(result.stdout)
    assert {d for d, _, _ in got} == {"keep newest", "keep recent"}
    assert len(got) == 7
    assert scenario.keys(SPARE) == scenario.before[SPARE]


def test_a_declared_path_without_any_generation_fails_the_run(scenario: Scenario) -> None:
    env = scenario.script_env(SPARE, 3600, DRY_RUN="1")
    env["DECLARED_PATHS"] += "\nhome/never-replicated/db.sqlite3"
    result = scenario.shell.run(env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "error no generations path=home/never-replicated/db.sqlite3" in result.stdout
    assert "1 declared path(s) without any generation" in result.stderr
    assert len(decisions(result.stdout)) == 7  # the other paths are still decided
    assert scenario.keys(SPARE) == scenario.before[SPARE]


# -- (e) failures delete nothing and exit non-zero ---------------------------------------------


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed on return: connections are refused


FAST_FAIL = {"RCLONE_RETRIES": "1", "RCLONE_LOW_LEVEL_RETRIES": "1", "RCLONE_CONTIMEOUT": "2s"}


@pytest.mark.parametrize("failure", ["missing-bucket", "bad-endpoint", "bad-secret"])
def test_listing_failure_exits_nonzero_and_deletes_nothing(
    scenario: Scenario, failure: str
) -> None:
    env = scenario.script_env(SPARE, 1, **FAST_FAIL)  # retention 1 s: all but newest expired
    prefix = f"RCLONE_CONFIG_{REMOTE.upper()}_"
    if failure == "missing-bucket":
        env["BUCKET"] = "no-such-bucket"
    elif failure == "bad-endpoint":
        env[prefix + "ENDPOINT"] = f"http://127.0.0.1:{closed_port()}"
    else:
        env[prefix + "SECRET_ACCESS_KEY"] = "not-the-secret"
    result = scenario.shell.run(env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "listing" in result.stderr and "nothing deleted" in result.stderr
    assert not decisions(result.stdout)
    assert "purging" not in result.stdout
    assert scenario.keys(SPARE) == scenario.before[SPARE]


def test_deletion_failure_exits_nonzero(scenario: Scenario) -> None:
    env = {
        **scenario.script_env(SPARE, 1, **FAST_FAIL),  # all but the newest expired
        **scenario.s3.rclone_env(REMOTE, readonly=True),  # may list, may not delete
    }
    result = scenario.shell.run(env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "purging" in result.stdout  # it listed, decided and tried
    assert "failure(s)" in result.stdout
    assert scenario.keys(SPARE) == scenario.before[SPARE]


@pytest.mark.parametrize(
    "override",
    [
        {"RETENTION_SECONDS": "7d"},
        {"RETENTION_SECONDS": "0"},
        {"RETENTION_SECONDS": ""},
        {"BUCKET": ""},
        {"BUCKET": "bucket/with/path"},
        {"RCLONE_REMOTE": ""},
    ],
)
def test_invalid_configuration_is_refused(tmp_path: Path, override: dict[str, str]) -> None:
    env = {
        "RCLONE_REMOTE": "s3",
        "BUCKET": "b",
        "RETENTION_SECONDS": "60",
        "DECLARED_PATHS": "x/db",
        **override,
    }
    shell = make_shell("busybox" if shutil.which("busybox") else "sh", tmp_path)
    result = shell.run(env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "configuration error" in result.stderr
    assert "listing" not in result.stdout
