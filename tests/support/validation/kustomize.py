"""Build a kustomization with the real ``kubectl kustomize``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

__all__ = ["KustomizeError", "kustomize_build"]


class KustomizeError(RuntimeError):
    """``kubectl kustomize`` is missing, failed or timed out; ``stderr`` holds its output."""

    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr


def kustomize_build(path: Path, *, kubectl: str | None = None, timeout: float = 120.0) -> str:
    """The multi-document YAML that ``kubectl kustomize <path>`` prints.

    ``kubectl`` is the executable to run (default: ``kubectl`` on ``PATH``). Raises
    :class:`KustomizeError` with kubectl's stderr when the build fails.
    """
    executable = kubectl or shutil.which("kubectl")
    if executable is None:
        raise KustomizeError("kubectl not found on PATH (needed for `kubectl kustomize`)")
    command = [executable, "kustomize", str(path)]
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise KustomizeError(f"`kubectl kustomize {path}` timed out after {timeout:g} s") from exc
    except OSError as exc:
        raise KustomizeError(f"cannot run {executable}: {exc}") from exc
    if result.returncode != 0:
        stderr = result.stderr.strip()
        raise KustomizeError(
            f"`kubectl kustomize {path}` failed (exit {result.returncode}):\n{stderr}", stderr
        )
    return result.stdout
