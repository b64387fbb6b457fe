"""A FIFO (or any file that is not a regular one) named like a file the compiler reads is
reported, never waited on: a plain ``open`` of a FIFO blocks until a writer comes.

Git cannot store a FIFO, so these are no acceptance-case folders; each command runs in its
own process with a timeout, so a hang fails the test instead of stopping the suite.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.support.files import copy_example
from tests.support.process import run_compiler

APP = "out/kubernetes/apps/productivity/paperless/app"
DRILL = "out/restore-drills/2026-12-06-BT-LH-01"
NOT_REGULAR = "not a regular file (a FIFO)"


@pytest.mark.parametrize(
    ("fifo", "command", "code", "line"),  # line: how the shown one starts
    [
        pytest.param(
            "policies/services/x.yaml",
            ("validate",),
            1,
            "policies/services/x.yaml:1:1: error [BP103] cannot read file: " + NOT_REGULAR,
            id="policy-folder",
        ),
        pytest.param(
            f"{APP}/pvc.yaml",  # listed by the app's kustomization: its build is unread
            ("check",),
            0,
            f"{APP}/pvc.yaml:1:1: warning [BP424] this file of the app build of "
            f"productivity/paperless was not read (cannot be read: {NOT_REGULAR})",
            id="output-tree",
        ),
        pytest.param(
            f"{APP}/notes.yaml",  # in no build: read and left alone
            ("check",),
            0,
            None,
            id="output-tree-outside-a-build",
        ),
        pytest.param(
            f"{DRILL}/namespaces.yaml",
            ("drill", "BT-LH-01", "--date", "2026-12-06"),
            1,
            f"{DRILL}/namespaces.yaml:1:1: error [BP401] a file without the generated "
            "header is where the drill writes",
            id="drills-folder",
        ),
    ],
)
def test_a_fifo_is_reported_not_waited_on(
    tmp_path: Path, fifo: str, command: tuple[str, ...], code: int, line: str | None
) -> None:
    root = copy_example(tmp_path)
    path = root / fifo
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    os.mkfifo(path)
    done = run_compiler(root, *command, timeout=60)
    assert done.returncode == code, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    shown = [row for row in done.stdout.splitlines() if fifo in row]
    assert [row[: len(line or "")] for row in shown] == ([line] if line else []), done.stdout
    assert stat.S_ISFIFO(path.lstat().st_mode), "the FIFO is left as it was"
