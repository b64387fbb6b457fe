"""The restore init container never hangs without a signal (SPEC §9.10).

Against an S3 endpoint that accepts connections and never answers, the real ``litestream
restore`` (0.3.13 and 0.5.17) waits for ever; against a refused port 0.5.17 retries for about
four minutes. The generated init container runs it under ``timeout`` (``restoreTimeout``):
here its exact command and args run on this machine with the real binaries, ``timeout`` from
coreutils for 0.5 (the image is Debian) and from busybox for 0.3 (the image is alpine), and
must exit non-zero within the deadline without creating the database.
"""

from __future__ import annotations

import copy
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import require_tool
from tests.litestream.binaries import require_litestream
from tests.litestream.example import (
    AppLitestream,
    compile_tree,
    copy_example,
    edit_yaml,
    errors,
    litestream_apps,
)
from tests.litestream.local import replicas
from tests.support.s3server import go_env

PAPERLESS = "kubernetes/apps/productivity/paperless"  # moved to 0.5, its own 3s timeout
SPOOLMAN = "kubernetes/apps/tools/spoolman"  # 0.3, the cluster's 4s
KILL_AFTER = 10  # the -k of the generated command
CREDENTIALS = {"LITESTREAM_ACCESS_KEY_ID": "id", "LITESTREAM_SECRET_ACCESS_KEY": "secret"}


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, AppLitestream]:
    root = copy_example(tmp_path_factory.mktemp("restore-timeout"))

    def cluster(data: Any) -> None:
        data["spec"]["litestream"]["restoreTimeout"] = "4s"

    def paperless(data: Any) -> None:
        data["spec"]["litestream"] = {
            "version": "0.5",
            "acknowledgeMigration": True,
            "restoreTimeout": "3s",
        }

    edit_yaml(root / "policies/cluster.yaml", cluster)
    edit_yaml(root / "policies/services/paperless.yaml", paperless)
    result = compile_tree(root)
    assert result.outputs is not None, errors(result)
    return litestream_apps(result)


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """An S3 endpoint that accepts every connection and never sends a byte."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()
    for connection in held:
        connection.close()


@pytest.fixture
def refused_endpoint() -> str:
    """An S3 endpoint whose port refuses connections (nothing listens there)."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def timeout_command(version: str) -> list[str]:
    """``timeout`` as the image has it: coreutils (0.5, Debian) or busybox (0.3, alpine)."""
    if version == "0.5":
        found = shutil.which("timeout")
        require_tool("timeout (coreutils)", found is not None)
        return [str(found)]
    found = shutil.which("busybox")
    require_tool("busybox", found is not None)
    return [str(found), "timeout"]


def local_restore(
    app: AppLitestream, endpoint: str, workdir: Path
) -> tuple[list[str], list[str], Path]:
    """The init container's command (``timeout`` part, litestream part) with only the paths
    and the endpoint made local, and the database it restores."""
    config = copy.deepcopy(app.config)
    db = workdir / Path(config["dbs"][0]["path"]).name
    config["dbs"][0]["path"] = str(db)
    for replica in replicas(config["dbs"][0]):
        replica["endpoint"] = endpoint
    config_path = workdir / "litestream.yml"
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    init = app.container("litestream-restore")
    *wrapper, litestream = init["command"]
    assert wrapper[0] == "timeout" and litestream == "litestream", init["command"]
    args = [str(config_path) if a == "/etc/litestream.yml" else a for a in init["args"][:-1]]
    restore = [require_litestream(app.version), *args, str(db)]
    return [*timeout_command(app.version), *wrapper[1:]], restore, db


def timed(argv: list[str], limit: float) -> tuple[int, float, str]:
    env = go_env(CREDENTIALS)
    start = time.monotonic()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=limit)
    return done.returncode, time.monotonic() - start, done.stdout + done.stderr


def test_the_policy_sets_the_deadline_of_the_generated_command(
    apps: dict[str, AppLitestream],
) -> None:
    assert apps[PAPERLESS].version == "0.5"
    assert apps[PAPERLESS].container("litestream-restore")["command"] == [
        "timeout",
        "-k",
        str(KILL_AFTER),
        "3",
        "litestream",
    ]
    assert apps[SPOOLMAN].container("litestream-restore")["command"][3] == "4"
    assert "command" not in apps[SPOOLMAN].container("litestream")  # the sidecar is untouched


@pytest.mark.integration
@pytest.mark.parametrize("app_dir", [PAPERLESS, SPOOLMAN], ids=["0.5", "0.3"])
def test_restore_fails_at_its_deadline_on_a_silent_endpoint(
    apps: dict[str, AppLitestream], app_dir: str, silent_endpoint: str, tmp_path: Path
) -> None:
    wrapper, restore, db = local_restore(apps[app_dir], silent_endpoint, tmp_path)
    deadline = int(wrapper[-1])
    code, elapsed, output = timed([*wrapper, *restore], deadline + KILL_AFTER + 30)
    assert code != 0, output
    assert deadline - 0.5 <= elapsed < deadline + 5, (elapsed, output)
    assert not db.exists()


@pytest.mark.integration
def test_without_the_wrapper_restore_waits_for_ever(
    apps: dict[str, AppLitestream], silent_endpoint: str, tmp_path: Path
) -> None:
    """Why the wrapper exists: the bare 0.5 restore is still waiting well past the deadline."""
    _, restore, _ = local_restore(apps[PAPERLESS], silent_endpoint, tmp_path)
    env = go_env(CREDENTIALS)
    process = subprocess.Popen(
        restore, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        time.sleep(3 + 2)  # the deadline is 3 s
        assert process.poll() is None, "litestream restore gave up by itself"
    finally:
        process.kill()
        process.wait()


@pytest.mark.integration
def test_restore_05_fails_at_its_deadline_on_a_refused_port(
    apps: dict[str, AppLitestream], refused_endpoint: str, tmp_path: Path
) -> None:
    """0.5.17 alone retries a refused connection for about four minutes."""
    wrapper, restore, db = local_restore(apps[PAPERLESS], refused_endpoint, tmp_path)
    code, elapsed, output = timed([*wrapper, *restore], 60)
    assert code != 0, output
    assert elapsed < 3 + 5, (elapsed, output)
    assert not db.exists()
