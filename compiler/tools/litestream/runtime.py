"""What the injected containers run: the image and the restore init container's deadline.

The restore init container has a deadline (``restoreTimeout``, 10m by default), because
neither Litestream nor Kubernetes gives it one (SPEC §9.10: the app must not start on an
empty database, and must not wait silently either). Facts, for 0.5.17 and 0.3.13:

- ``litestream restore`` has no timeout flag (0.5.17 ``restore -h``); the config's
  ``timeout`` is read by the NATS replica only (``cmd/litestream/main.go``). Its S3 client
  (``s3/replica_client.go``) waits up to 24 h per request and makes 10 attempts: against a
  refused port 0.5.17 exits 1 after about 4 minutes, against an endpoint that accepts and
  never answers both versions wait until killed (tests/litestream/test_restore_timeout.py);
- Kubernetes has no deadline for one init container: ``activeDeadlineSeconds`` bounds the
  whole pod (it would kill the running app later), a ``startupProbe`` applies only to
  restartable (sidecar) init containers;
- the images carry ``timeout``: ``litestream/litestream:0.5.17`` is the Dockerfile's
  ``default`` target, ``FROM debian:bookworm-slim`` (coreutils; the ``-scratch`` tags are the
  ``hardened`` target, ``FROM scratch``, without it), and 0.3.13 is ``FROM alpine:3.17.2``
  (busybox ``timeout [-s SIG] [-k KILL_SECS] SECS PROG ARGS``).

So the init container's command is ``timeout -k 10 <seconds> litestream`` (its args stay
litestream's): at the deadline it exits non-zero (124 coreutils, 143 busybox), the pod stays
in ``Init`` while the kubelet retries with back-off, and the app never opens an empty
database.
"""

from __future__ import annotations

from msgspec import Struct

from compiler.analyse import EffectiveService
from compiler.model.cluster import ClusterSpec
from compiler.tools.litestream.names import LITESTREAM, TIMEOUT, TIMEOUT_KILL_AFTER
from compiler.tools.litestream.resolve import ServiceLitestream
from compiler.tools.litestream.settings import CLUSTER, SERVICE

DEFAULT_RESTORE_TIMEOUT = 600


class Runtime(Struct, frozen=True):
    """What the containers run: the image reference and the restore's deadline in seconds."""

    image: str
    restore_timeout: int


def runtime(cluster: ClusterSpec, service: EffectiveService, spec: ServiceLitestream) -> Runtime:
    """The version's image from ``spec.images`` and the service's (else cluster's) timeout."""
    images = cluster.images
    image = images.litestream_0_3 if spec.version == "0.3" else images.litestream_0_5
    settings = CLUSTER.of(cluster)
    override = SERVICE.of(service.source.policy.spec)
    timeout = override.restore_timeout if override is not None else None
    if timeout is None:
        timeout = settings.restore_timeout if settings is not None else DEFAULT_RESTORE_TIMEOUT
    return Runtime(image.reference, timeout)


def restore_command(run: Runtime) -> list[str]:
    """``timeout -k 10 <seconds> litestream``: the restore fails at its deadline."""
    return [TIMEOUT, "-k", str(TIMEOUT_KILL_AFTER), str(run.restore_timeout), LITESTREAM]
