"""A real PostgreSQL server and the real barman-cloud commands, as CloudNativePG runs them.

Pytest-free. Two halves:

* :class:`PostgresServer`: ``initdb`` (or a restored data directory), ``pg_ctl start`` on a free
  127.0.0.1 port with its unix socket beside the data directory, :meth:`PostgresServer.psql`,
  and a stop that always happens. Debian's server binaries live in
  ``/usr/lib/postgresql/<major>/bin`` (not on PATH).
* barman-cloud helpers taking what a CNPG barman-cloud plugin ``ObjectStore`` gives
  (:class:`ObjectStore`: ``destinationPath``, ``endpointURL``, the S3 key pair, the server name,
  an optional region) and building the commands with the same arguments and environment the
  plugin uses: ``--endpoint-url URL --cloud-provider aws-s3 <destinationPath> <serverName>``,
  credentials as ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` and the region as
  ``AWS_DEFAULT_REGION``.

Who runs what. PostgreSQL refuses to run as root, and tests and CI run as root: the server,
``initdb``, ``pg_ctl`` and every barman-cloud command run as the ``postgres`` system user
(Debian's package creates it) through ``setpriv``, which keeps the environment we pass, unlike
``runuser``/``su`` with PAM. Not being root, everything runs as the current user. Two things
follow for a root run:

* The working directory must be reachable by that user: pytest's ``tmp_path`` lives under the
  0700 ``/tmp/pytest-of-root``, so :func:`server_tempdir` makes its own directory under the
  system temp dir, owned by the server user.
* The barman-cloud commands must be executable by that user: a ``pip install`` into a Python
  under ``/root`` (pyenv) is not (``/root`` is 0700). :func:`barman_cloud_bindir` therefore looks
  in ``$BARMAN_CLOUD_BIN``, then ``/opt/barman-cloud/bin``, then PATH, and
  :func:`barman_cloud_problem` says why the found commands cannot be used. The default is a venv
  of the *system* Python (a pyenv ``python3`` would link the venv back into ``/root``)::

      /usr/bin/python3 -m venv /opt/barman-cloud
      /opt/barman-cloud/bin/pip install 'barman[cloud]'

The archive command runs in the server's environment, so the object store's credentials are
passed to ``pg_ctl start`` (:meth:`ObjectStore.env`); the restore command likewise.

Bucket layout written by barman-cloud (3.19) for ``destinationPath=s3://<bucket>/<prefix>`` and
``serverName=<server>``::

    <prefix>/<server>/base/<backup_id>/backup.info       # metadata, read by backup-list/restore
    <prefix>/<server>/base/<backup_id>/data.tar          # PGDATA (data.tar.gz etc. if compressed)
    <prefix>/<server>/wals/<timeline+log, 16 hex>/<WAL segment name>
    <prefix>/<server>/wals/<...>/<segment>.<lsn>.backup  # the backup-label history file

``backup_id`` is a timestamp such as ``20250101T120000``.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from .s3server import go_env

PG_BINDIR_ENV = "BACKUP_POLICY_PG_BINDIR"
BARMAN_CLOUD_ENV = "BARMAN_CLOUD_BIN"
BARMAN_CLOUD_DEFAULT = Path("/opt/barman-cloud/bin")
SERVER_USER = "postgres"
SUPERUSER = "postgres"
# The settings file included from postgresql.conf; part of the data directory, so a base backup
# carries it and a restore overwrites it.
SETTINGS_FILE = "backup_policy_test.conf"

# Variables that would point libpq or Python somewhere else than we say.
_SCRUBBED_PREFIXES = ("PG", "PYTHON")


# -- who runs the server -------------------------------------------------------------------


@dataclass(frozen=True)
class ServerUser:
    name: str
    uid: int
    gid: int


def server_user() -> ServerUser:
    """``postgres`` when we are root (PostgreSQL refuses root), else the current user."""
    entry = pwd.getpwnam(SERVER_USER) if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
    return ServerUser(entry.pw_name, entry.pw_uid, entry.pw_gid)


def as_user(args: Sequence[str], user: ServerUser) -> list[str]:
    """``args`` run as ``user``: through ``setpriv`` (keeps the environment) when we are root."""
    if os.geteuid() != 0 or user.uid == 0:
        return list(args)
    setpriv = shutil.which("setpriv") or "setpriv"
    return [setpriv, f"--reuid={user.uid}", f"--regid={user.gid}", "--init-groups", "--", *args]


def clean_env(
    extra: Mapping[str, str] | None = None, *, home: Path | None = None
) -> dict[str, str]:
    """The host environment without ``AWS_*``, ``PG*`` or ``PYTHON*``; ``NO_PROXY`` for 127.0.0.1.

    Seen with barman-cloud 3.19 (boto3): an ``AWS_PROFILE`` naming a missing profile fails every
    command ("The config profile ... could not be found") and ``HTTP_PROXY`` without
    ``NO_PROXY`` sends the local requests to the proxy. ``~/.aws/config`` could force an
    addressing style or a CA bundle, so ``HOME`` points at ``home``.
    """
    env = {k: v for k, v in go_env().items() if not k.startswith(_SCRUBBED_PREFIXES)}
    if home is not None:
        env["HOME"] = str(home)
    env.update(extra or {})
    return env


@contextlib.contextmanager
def server_tempdir(prefix: str = "backup-policy-pg-") -> Iterator[Path]:
    """A fresh 0700 directory under the system temp dir owned by the server user; removed after.

    Not under pytest's ``tmp_path``: that lives below a 0700 root-owned directory the server
    user cannot enter.
    """
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        user = server_user()
        if os.geteuid() == 0:
            os.chown(path, user.uid, user.gid)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def run_as_server(
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path | None = None,
    timeout: float = 60.0,
) -> str:
    """Run ``args`` as the server user; stdout, or RuntimeError with all output."""
    command = as_user(args, server_user())
    result = subprocess.run(
        command,
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{shlex.join(command)} exited with {result.returncode}:\n"
            f"{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )
    return result.stdout


# -- where the binaries are ----------------------------------------------------------------


def postgres_bindir() -> Path | None:
    """``$BACKUP_POLICY_PG_BINDIR``, else the newest ``/usr/lib/postgresql/<major>/bin`` with
    initdb, pg_ctl and postgres, else the directory of ``pg_ctl`` on PATH."""
    wanted = ("initdb", "pg_ctl", "postgres")
    configured = os.environ.get(PG_BINDIR_ENV)
    candidates = [Path(configured)] if configured else []
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        majors = [p for p in debian.iterdir() if p.name.isdigit()]
        candidates += [p / "bin" for p in sorted(majors, key=lambda p: -int(p.name))]
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).parent)
    for bindir in candidates:
        if all(os.access(bindir / name, os.X_OK) for name in wanted):
            return bindir
    return None


def psql_binary(bindir: Path | None = None) -> str | None:
    """psql beside the server binaries, else on PATH (Debian: /usr/bin/psql)."""
    if bindir is not None and os.access(bindir / "psql", os.X_OK):
        return str(bindir / "psql")
    return shutil.which("psql")


BARMAN_CLOUD_COMMANDS = (
    "barman-cloud-backup",
    "barman-cloud-backup-list",
    "barman-cloud-restore",
    "barman-cloud-wal-archive",
    "barman-cloud-wal-restore",
    "barman-cloud-check-wal-archive",
)


def barman_cloud_bindir() -> Path | None:
    """Where all barman-cloud commands are: ``$BARMAN_CLOUD_BIN``, ``/opt/barman-cloud/bin``,
    or the directory of ``barman-cloud-backup`` on PATH."""
    configured = os.environ.get(BARMAN_CLOUD_ENV)
    candidates = [Path(configured)] if configured else []
    candidates.append(BARMAN_CLOUD_DEFAULT)
    on_path = shutil.which("barman-cloud-backup")
    if on_path:
        candidates.append(Path(on_path).parent)
    for bindir in candidates:
        if all(os.access(bindir / name, os.X_OK) for name in BARMAN_CLOUD_COMMANDS):
            return bindir
    return None


def barman_cloud_problem(bindir: Path | None) -> str | None:
    """Why the barman-cloud commands cannot be used by the server user, or None if they can.

    The archive and restore commands run as the server user, so they are tried as that user.
    """
    if bindir is None:
        return f"barman-cloud commands not found (set {BARMAN_CLOUD_ENV} or PATH)"
    try:
        run_as_server(
            [str(bindir / "barman-cloud-wal-archive"), "--version"],
            env=clean_env(),
            cwd=Path("/"),
            timeout=30,
        )
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
        user = server_user().name
        return (
            f"{bindir}/barman-cloud-wal-archive cannot be run by {user!r} ({e}); install it "
            f"where {user!r} can run it: /usr/bin/python3 -m venv {BARMAN_CLOUD_DEFAULT.parent} && "
            f"{BARMAN_CLOUD_DEFAULT}/pip install 'barman[cloud]'"
        )
    return None


# -- the object store, as a CNPG barman-cloud ObjectStore describes it ---------------------


@dataclass(frozen=True)
class ObjectStore:
    """The fields of a barman-cloud plugin ``ObjectStore`` (``spec.configuration``) plus the
    server name (the plugin's ``serverName`` parameter, defaulting to the Cluster name)."""

    destination_path: str  # s3://<bucket>/<prefix>
    endpoint_url: str | None
    access_key_id: str
    secret_access_key: str
    server_name: str
    region: str | None = None

    @property
    def bucket(self) -> str:
        return self.destination_path.removeprefix("s3://").split("/", 1)[0]

    @property
    def prefix(self) -> str:
        """The key prefix under which ``<server_name>/base`` and ``<server_name>/wals`` live."""
        rest = self.destination_path.removeprefix("s3://").split("/", 1)
        return rest[1].strip("/") if len(rest) > 1 else ""

    @property
    def server_prefix(self) -> str:
        return f"{self.prefix}/{self.server_name}" if self.prefix else self.server_name

    def env(self) -> dict[str, str]:
        """The variables the plugin sets from the ObjectStore's ``s3Credentials``."""
        env = {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
        }
        if self.region:
            env["AWS_DEFAULT_REGION"] = self.region
        return env

    def cloud_args(self) -> list[str]:
        """``[--endpoint-url URL] --cloud-provider aws-s3 <destinationPath> <serverName>``."""
        endpoint = ["--endpoint-url", self.endpoint_url] if self.endpoint_url else []
        return [*endpoint, "--cloud-provider", "aws-s3", self.destination_path, self.server_name]


def _barman(bindir: Path, command: str) -> str:
    return str(bindir / command)


def archive_command(store: ObjectStore, bindir: Path) -> str:
    """``archive_command``: barman-cloud-wal-archive of ``%p`` to the object store."""
    args = [_barman(bindir, "barman-cloud-wal-archive"), *store.cloud_args()]
    return f"{shlex.join(args)} %p"


def restore_command(store: ObjectStore, bindir: Path) -> str:
    """``restore_command``: barman-cloud-wal-restore of ``%f`` into ``%p``."""
    args = [_barman(bindir, "barman-cloud-wal-restore"), *store.cloud_args()]
    return f"{shlex.join(args)} %f %p"


def archiving_settings(store: ObjectStore, bindir: Path, *, timeout: str = "1s") -> dict[str, str]:
    """Settings of a primary that archives every WAL segment to ``store``."""
    return {
        "wal_level": "replica",
        "archive_mode": "on",
        "archive_timeout": timeout,
        "archive_command": archive_command(store, bindir),
    }


def recovery_settings(store: ObjectStore, bindir: Path) -> dict[str, str]:
    """Settings of a server recovering from ``store`` until the end of its WAL archive.

    Archiving is off: a recovered server that archived under the same ``server_name`` would mix
    its new timeline into the source's archive (CNPG refuses that: a recovered Cluster must use
    another serverName, checked with barman-cloud-check-wal-archive).
    """
    return {
        "restore_command": restore_command(store, bindir),
        "archive_mode": "off",
        "recovery_target_timeline": "latest",
    }


def barman_env(store: ObjectStore, workdir: Path) -> dict[str, str]:
    """The environment of a barman-cloud command: clean host env plus the credentials.

    ``TMPDIR`` is set as the plugin sets it for backups; ``HOME`` keeps ``~/.aws`` out.
    """
    return clean_env({**store.env(), "TMPDIR": str(workdir)}, home=workdir)


@dataclass(frozen=True)
class BarmanBackup:
    """One entry of ``barman-cloud-backup-list --format json``."""

    backup_id: str
    backup_name: str | None
    begin_wal: str
    end_wal: str
    status: str


def list_backups(
    store: ObjectStore, bindir: Path, workdir: Path, *, timeout: float = 60.0
) -> list[BarmanBackup]:
    """The backups of ``store.server_name``, oldest first."""
    out = run_as_server(
        [_barman(bindir, "barman-cloud-backup-list"), "--format", "json", *store.cloud_args()],
        env=barman_env(store, workdir),
        cwd=workdir,
        timeout=timeout,
    )
    backups = json.loads(out)["backups_list"]
    return [
        BarmanBackup(
            backup_id=b["backup_id"],
            backup_name=b.get("backup_name"),
            begin_wal=b.get("begin_wal", ""),
            end_wal=b.get("end_wal", ""),
            status=b.get("status", ""),
        )
        for b in sorted(backups, key=lambda b: str(b["backup_id"]))
    ]


def take_backup(
    store: ObjectStore,
    server: PostgresServer,
    bindir: Path,
    *,
    name: str,
    immediate_checkpoint: bool = True,
    timeout: float = 120.0,
) -> BarmanBackup:
    """``barman-cloud-backup -U postgres -n <name> ...`` against ``server``, as the plugin runs
    it (connection through the server's unix socket); returns the listed backup."""
    checkpoint = ["--immediate-checkpoint"] if immediate_checkpoint else []
    args = [
        _barman(bindir, "barman-cloud-backup"),
        *("-U", SUPERUSER, "-h", str(server.socket_dir), "-p", str(server.port)),
        *("-n", name, *checkpoint),
        *store.cloud_args(),
    ]
    workdir = server.workdir
    run_as_server(args, env=barman_env(store, workdir), cwd=workdir, timeout=timeout)
    found = [b for b in list_backups(store, bindir, workdir) if b.backup_name == name]
    if len(found) != 1:
        raise RuntimeError(f"backup {name!r} not listed exactly once after barman-cloud-backup")
    return found[0]


def restore_backup(
    store: ObjectStore,
    bindir: Path,
    backup_id: str,
    data_dir: Path,
    *,
    timeout: float = 120.0,
) -> None:
    """``barman-cloud-restore ... <backup_id> <data_dir>``, then make the directory 0700.

    barman-cloud-restore creates the directory with the umask's mode, and postgres refuses to
    start on a data directory readable by others ("has invalid permissions").
    """
    workdir = data_dir.parent
    run_as_server(
        [_barman(bindir, "barman-cloud-restore"), *store.cloud_args(), backup_id, str(data_dir)],
        env=barman_env(store, workdir),
        cwd=workdir,
        timeout=timeout,
    )
    data_dir.chmod(0o700)


def wal_archive_is_empty(store: ObjectStore, bindir: Path, workdir: Path) -> bool:
    """``barman-cloud-check-wal-archive``: whether a new server may archive under this name."""
    try:
        run_as_server(
            [_barman(bindir, "barman-cloud-check-wal-archive"), *store.cloud_args()],
            env=barman_env(store, workdir),
            cwd=workdir,
        )
    except RuntimeError:
        return False
    return True


# -- the server ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _conf_value(value: str) -> str:
    """A postgresql.conf string literal: single quotes, embedded quotes doubled."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


class PostgresServer:
    """One PostgreSQL instance on ``data_dir``, started on enter and stopped on exit.

    ``data_dir``'s parent (from :func:`server_tempdir`) also holds the socket directory and the
    log. A ``data_dir`` without ``PG_VERSION`` is made with ``initdb`` first; a restored one is
    used as it is. ``settings`` are written to an included file, ``env`` is the server's
    environment on top of a clean one (the archive and restore commands inherit it).
    ``recovery=True`` creates ``recovery.signal`` before starting: archive recovery, which
    replays every WAL segment restore_command finds, then promotes to a new timeline.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        settings: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
        recovery: bool = False,
        bindir: Path | None = None,
        start_timeout: float = 30.0,
        stop_timeout: float = 30.0,
    ) -> None:
        self.data_dir = data_dir
        self.workdir = data_dir.parent
        self.settings = dict(settings or {})
        self.env = dict(env or {})
        self.recovery = recovery
        self.bindir = bindir or postgres_bindir() or Path("/usr/lib/postgresql/15/bin")
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.socket_dir = self.workdir / f"{data_dir.name}.sock"
        self.log_path = self.workdir / f"{data_dir.name}.log"
        self.port = 0
        self.running = False

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> PostgresServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def server_env(self) -> dict[str, str]:
        return clean_env({**self.env, "TMPDIR": str(self.workdir)}, home=self.workdir)

    def start(self) -> None:
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        self.socket_dir.mkdir(mode=0o700, exist_ok=True)
        _chown_to_server_user(self.socket_dir)
        if self.recovery:
            self._write_as_server_user(self.data_dir / "recovery.signal", "")
        last_error = ""
        for _attempt in range(3):  # a free port can be taken between choosing and binding
            self.port = _free_port()
            self._write_settings()
            try:
                self._pg_ctl(
                    "start", "-w", "-t", str(int(self.start_timeout)), "-l", str(self.log_path)
                )
                self.running = True
                return
            except RuntimeError as e:
                last_error = f"{e}\n{self.log_tail()}"
                if "could not bind" not in self.log_tail():
                    break
        raise RuntimeError(f"postgres did not start: {last_error}")

    def _initdb(self) -> None:
        run_as_server(
            [
                str(self.bindir / "initdb"),
                *("-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust"),
                *("--no-sync", "--no-locale", "--encoding=UTF8"),
            ],
            env=self.server_env(),
            cwd=self.workdir,
            timeout=120,
        )

    def _write_settings(self) -> None:
        """Connection settings and ``settings`` into :data:`SETTINGS_FILE`, included last."""
        values = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.socket_dir),
            **self.settings,
        }
        lines = [f"{key} = {_conf_value(value)}" for key, value in values.items()]
        self._write_as_server_user(self.data_dir / SETTINGS_FILE, "\n".join(lines) + "\n")
        conf = self.data_dir / "postgresql.conf"
        include = f"include = '{SETTINGS_FILE}'"
        if include not in conf.read_text().splitlines():
            with conf.open("a") as f:
                f.write(f"\n{include}\n")

    def _write_as_server_user(self, path: Path, text: str) -> None:
        path.write_text(text)
        path.chmod(0o600)
        _chown_to_server_user(path)

    def _pg_ctl(self, *args: str, timeout: float | None = None) -> str:
        command = [str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), *args]
        return run_as_server(
            command,
            env=self.server_env(),
            cwd=self.workdir,
            timeout=timeout or self.start_timeout + 10,
        )

    def stop(self) -> None:
        """``pg_ctl stop -m fast``; if that fails, SIGKILL the postmaster's process group."""
        if not (self.data_dir / "postmaster.pid").exists():
            self.running = False
            return
        try:
            self._pg_ctl("stop", "-m", "fast", "-w", "-t", str(int(self.stop_timeout)))
        except (RuntimeError, subprocess.TimeoutExpired):
            self._kill()
        self.running = False

    def _kill(self) -> None:
        """pg_ctl starts the postmaster in its own session: kill that whole process group."""
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int((self.data_dir / "postmaster.pid").read_text().splitlines()[0])
            os.killpg(pid, signal.SIGKILL)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # -- queries ---------------------------------------------------------------------------

    def psql(self, sql: str, *, database: str = "postgres", timeout: float = 30.0) -> str:
        """Run ``sql`` (any number of statements) with psql; unaligned tuples-only output.

        psql runs as the current user: it needs no privilege, authentication is ``trust`` over
        the unix socket.
        """
        psql = psql_binary(self.bindir) or "psql"
        args = [
            psql,
            *("-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"),
            *("-h", str(self.socket_dir), "-p", str(self.port), "-U", SUPERUSER, "-d", database),
        ]
        result = subprocess.run(
            args,
            input=sql,
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"psql failed ({result.returncode}): {result.stderr}\n{sql[:500]}")
        return result.stdout.strip()

    def switch_wal(self) -> str:
        """``pg_switch_wal()``; the name of the WAL segment it completed."""
        return self.psql("select pg_walfile_name(pg_switch_wal())")

    def wait_until_archived(self, wal: str, *, timeout: float = 30.0) -> None:
        """Wait until ``pg_stat_archiver`` reports ``wal`` (or a later segment) archived.

        A failing archive_command shows up as ``failed_count``; its output is in the log.
        """
        deadline = time.monotonic() + timeout
        while True:
            last = self.psql("select coalesce(last_archived_wal, '') from pg_stat_archiver")
            if len(last) >= 24 and last[:24] >= wal:  # segment names sort by position
                return
            if time.monotonic() > deadline:
                stats = self.psql("select * from pg_stat_archiver")
                raise TimeoutError(
                    f"{wal} not archived within {timeout}s (pg_stat_archiver: {stats})\n"
                    f"{self.log_tail()}"
                )
            time.sleep(0.2)

    def wait_until_promoted(self, *, timeout: float = 60.0) -> None:
        """Wait until recovery has ended (``pg_is_in_recovery()`` is false)."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(RuntimeError):
                if self.psql("select pg_is_in_recovery()") == "f":
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"still in recovery after {timeout}s\n{self.log_tail()}")
            time.sleep(0.2)


def _chown_to_server_user(path: Path) -> None:
    if os.geteuid() == 0:
        user = server_user()
        os.chown(path, user.uid, user.gid)
