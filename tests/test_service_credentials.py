"""A service's own credentials Secret per target (``spec.credentials``) reaches every object
of the service that reads S3 credentials; the shared cleanup CronJob keeps the target's."""

from __future__ import annotations

from pathlib import Path

from compiler.config import RunConfig
from compiler.pipeline.build import build
from tests.test_cases import CASES, materialise


def _rendered(tmp_path: Path) -> dict[str, str]:
    root = materialise(CASES / "valid" / "service-credentials", tmp_path)
    result = build(RunConfig(policies=root / "policies", output=root / "out"))
    assert not [d for d in result.diagnostics.sorted() if d.level == "error"]
    assert result.outputs is not None
    return result.outputs


def test_the_service_secret_replaces_the_target_secret(tmp_path: Path) -> None:
    files = _rendered(tmp_path)
    backup = "kubernetes/apps/apps/web/backup/"
    for name in ("k8up-schedule.yaml", "patches/litestream.yaml"):
        text = files[backup + name]
        assert "name: web-s3" in text and "key: AWS_ACCESS_KEY_ID" in text, name
        assert "garage-s3" not in text, name
    assert "web-s3" in files["docs/disaster-recovery.md"]


def test_the_cleanup_job_keeps_the_target_secret(tmp_path: Path) -> None:
    files = _rendered(tmp_path)
    cleanup = files["kubernetes/apps/storage/litestream-cleanup/cleanup-garage.yaml"]
    assert "name: garage-s3" in cleanup and "web-s3" not in cleanup
