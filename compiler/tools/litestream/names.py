"""Names and commands of what Litestream injects (facts checked upstream).

- the images are the cluster policy's ``spec.images`` roles ``litestream-0.3``,
  ``litestream-0.5`` and ``litestream-cleanup`` (pinned defaults in
  :mod:`compiler.model.images`);
- both versions read ``/etc/litestream.yml`` and expand ``$VAR``/``${VAR}`` in it, and take
  S3 credentials from ``LITESTREAM_ACCESS_KEY_ID`` / ``LITESTREAM_SECRET_ACCESS_KEY``;
- the restore init container runs ``timeout -k 10 <seconds> litestream restore ...``: why a
  wrapper and not a flag is in :mod:`compiler.tools.litestream.runtime`;
- 0.3's ``replicate`` validates a replica (``validation-interval``) by restoring it into
  ``os.TempDir()`` (``ioutil.TempDir("", "*-litestream")`` at the top of ``Replica.Validate``,
  replica.go of v0.3.13): ``$TMPDIR``, else ``/tmp``, which a read-only root file system
  refuses, and the failure is only logged (no ``status="error"`` count, so no alert). The
  sidecar gets an emptyDir at ``/tmp``. 0.5 has no validation and restores, like 0.3, into
  ``<db>.tmp`` beside the database: the restore init containers need no temp dir.
"""

from __future__ import annotations

CONFIG_PATH = "/etc/litestream.yml"
CONFIG_KEY = "litestream.yml"
SIDECAR = "litestream"
RESTORE = "litestream-restore"
CONFIG_VOLUME = "litestream-config"
TMP_VOLUME = "litestream-tmp"
TMP_PATH = "/tmp"
INJECTED_VOLUMES = (CONFIG_VOLUME, TMP_VOLUME)
METRICS_PORT_NAME = "metrics"
INJECTED_CONTAINERS = (SIDECAR, RESTORE)
# The restore's deadline: `timeout` (coreutils in the 0.5 image, busybox in the 0.3 one; both
# take `-k KILL_SECS SECS PROG ARGS`, in whole seconds) sends TERM at the deadline and KILL
# this many seconds later if litestream is still running.
TIMEOUT = "timeout"
TIMEOUT_KILL_AFTER = 10
LITESTREAM = "litestream"

VERSION_LABEL = "backup-policy.io/litestream-version"
POD_LABEL = "backup-policy.io/litestream"
CONFIG_FILE = "litestream-config.yaml"
PATCH_FILE = "patches/litestream.yaml"
PODMONITOR_FILE = "litestream-podmonitor.yaml"


def config_map_name(app: str) -> str:
    return f"{app}-litestream"
