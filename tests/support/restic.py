"""Run the real restic (Debian package ``restic``) the way a VolSync restic mover does.

Pytest-free. Every function takes ``repo_env``: the keys of a VolSync restic repository Secret
(see :func:`repository_secret`), and nothing else reaches restic from the outside, so a test
proves that what the generated Secret holds is enough::

    repo_env = repository_secret(
        f"s3:{s3.endpoint}/bucket/prefix/app", "password", s3.access_key, s3.secret_key
    )
    init(repo_env)
    backup(repo_env, folder)
    restore_latest(repo_env, target)

What restic needs against a local plain-http S3 server, found out with restic 0.14 and SeaweedFS:

* ``RESTIC_REPOSITORY=s3:http://127.0.0.1:PORT/<bucket>/<prefix>``: the ``http://`` scheme in the
  URL is what turns TLS off; path-style addressing is automatic for an IP endpoint (minio-go), so
  no ``-o s3.bucket-lookup=path`` is needed. The repository lives under ``<prefix>/`` in the
  bucket (``config``, ``keys/``, ``data/``, ``index/``, ``snapshots/``); the bucket must exist.
* ``AWS_DEFAULT_REGION`` is optional (the server accepts any region); VolSync passes it through
  when the Secret has it.
* restic is a Go program: the environment is built with :func:`go_env`, which drops the host's
  ``AWS_*`` variables (``AWS_CA_BUNDLE`` breaks plain-http endpoints, a profile or key pair would
  leak in) and sets ``NO_PROXY`` for 127.0.0.1.

Like the VolSync mover, a backup runs ``restic backup --host volsync .`` inside the data folder
and a restore runs ``restic restore <snapshot> --target .`` inside the target folder, so the
snapshot's files land directly in the target.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .s3server import go_env

# VolSync forces this host name on every snapshot it takes and restores from.
VOLSYNC_HOST = "volsync"


@dataclass(frozen=True)
class Snapshot:
    """One entry of ``restic snapshots --json``."""

    id: str
    short_id: str
    time: str
    host: str
    paths: tuple[str, ...]
    tags: tuple[str, ...]


class ResticError(RuntimeError):
    def __init__(self, args: Sequence[str], returncode: int, output: str) -> None:
        super().__init__(f"{' '.join(args)} exited with {returncode}:\n{output[-3000:]}")
        self.returncode = returncode
        self.output = output


def restic_binary() -> str | None:
    """The restic on PATH (Debian installs /usr/bin/restic), or None."""
    return shutil.which("restic")


def repository_secret(
    repository: str,
    password: str,
    access_key_id: str,
    secret_access_key: str,
    *,
    region: str | None = None,
) -> dict[str, str]:
    """The keys of a VolSync restic repository Secret for an S3 repository."""
    secret = {
        "RESTIC_REPOSITORY": repository,
        "RESTIC_PASSWORD": password,
        "AWS_ACCESS_KEY_ID": access_key_id,
        "AWS_SECRET_ACCESS_KEY": secret_access_key,
    }
    if region:
        secret["AWS_DEFAULT_REGION"] = region
    return secret


def s3_repository(endpoint: str, bucket: str, path: str) -> str:
    """``s3:<endpoint>/<bucket>/<path>``, restic's S3 repository URL with an explicit endpoint."""
    return f"s3:{endpoint.rstrip('/')}/{bucket}/{path.strip('/')}"


def restic_env(repo_env: Mapping[str, str], cache_dir: Path | None = None) -> dict[str, str]:
    """The process environment: the host's minus ``AWS_*``/proxies, plus the Secret's keys.

    ``RESTIC_CACHE_DIR`` is set as VolSync sets it; without a cache dir the commands run with
    ``--no-cache`` so that nothing is written to the caller's home.
    """
    extra = dict(repo_env)
    if cache_dir is not None:
        extra["RESTIC_CACHE_DIR"] = str(cache_dir)
    return go_env(extra)


def run(
    repo_env: Mapping[str, str],
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    cache_dir: Path | None = None,
    binary: str | None = None,
    timeout: float = 60.0,
) -> str:
    """``restic <args>`` with only ``repo_env`` as configuration; its stdout, or ResticError."""
    cache = [] if cache_dir is not None else ["--no-cache"]
    command = [binary or restic_binary() or "restic", *cache, *args]
    result = subprocess.run(
        command,
        env=restic_env(repo_env, cache_dir),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if result.returncode != 0:
        raise ResticError(command, result.returncode, result.stdout + result.stderr)
    return result.stdout


def init(
    repo_env: Mapping[str, str],
    *,
    cache_dir: Path | None = None,
    binary: str | None = None,
    timeout: float = 60.0,
) -> None:
    """``restic init``: creates the repository under the URL's prefix (the bucket must exist)."""
    run(repo_env, ["init"], cache_dir=cache_dir, binary=binary, timeout=timeout)


def backup(
    repo_env: Mapping[str, str],
    folder: Path,
    *,
    host: str = VOLSYNC_HOST,
    tags: Sequence[str] = (),
    cache_dir: Path | None = None,
    binary: str | None = None,
    timeout: float = 60.0,
) -> Snapshot:
    """Back up ``folder`` as the VolSync mover does (``backup --host volsync .`` from inside it).

    Returns the new snapshot, read back from the repository.
    """
    tag_args = [a for tag in tags for a in ("--tag", tag)]
    out = run(
        repo_env,
        ["backup", "--json", "--host", host, "--exclude", "lost+found", *tag_args, "."],
        cwd=folder,
        cache_dir=cache_dir,
        binary=binary,
        timeout=timeout,
    )
    snapshot_id = _summary_snapshot_id(out)  # restic 0.14 prints the short id, newer the full one
    listed = snapshots(repo_env, cache_dir=cache_dir, binary=binary, timeout=timeout)
    found = [s for s in listed if s.id.startswith(snapshot_id)]
    if len(found) != 1:
        raise RuntimeError(f"snapshot {snapshot_id} not listed after backup")
    return found[0]


def _summary_snapshot_id(json_lines: str) -> str:
    """The ``snapshot_id`` of the ``summary`` message of ``restic backup --json``."""
    for line in reversed(json_lines.splitlines()):
        if line.startswith("{"):
            message = json.loads(line)
            if message.get("message_type") == "summary":
                return str(message["snapshot_id"])
    raise RuntimeError(f"no summary in restic backup output: {json_lines[-1000:]}")


def snapshots(
    repo_env: Mapping[str, str],
    *,
    host: str | None = None,
    cache_dir: Path | None = None,
    binary: str | None = None,
    timeout: float = 60.0,
) -> list[Snapshot]:
    """``restic snapshots --json``, oldest first."""
    args = ["snapshots", "--json", *(["--host", host] if host else [])]
    data = json.loads(run(repo_env, args, cache_dir=cache_dir, binary=binary, timeout=timeout))
    return [
        Snapshot(
            id=s["id"],
            short_id=s.get("short_id", s["id"][:8]),
            time=s["time"],
            host=s.get("hostname", ""),
            paths=tuple(s.get("paths") or ()),
            tags=tuple(s.get("tags") or ()),
        )
        for s in data or []
    ]


def restore_latest(
    repo_env: Mapping[str, str],
    target: Path,
    *,
    host: str = VOLSYNC_HOST,
    cache_dir: Path | None = None,
    binary: str | None = None,
    timeout: float = 60.0,
) -> None:
    """Restore the newest snapshot of ``host`` into ``target`` (created if missing), the way the
    VolSync mover restores into the volume (``restore <id> --target .`` from inside it)."""
    target.mkdir(parents=True, exist_ok=True)
    run(
        repo_env,
        ["restore", "latest", "--host", host, "--target", "."],
        cwd=target,
        cache_dir=cache_dir,
        binary=binary,
        timeout=timeout,
    )
