"""All-or-nothing writes: a compile that is killed, or that meets an I/O error, leaves the
previous tree byte-identical or the complete new tree (after the next run's recovery),
never a mix, and no staging folder behind.

The kills are real: ``backup-policy compile`` in a child process, killed with SIGKILL at
random points of a large compile, or stopped with ``os._exit`` (no clean-up runs, as with
a kill) right before its n-th rename, replace or unlink. The I/O errors are real too: a
file size limit (RLIMIT_FSIZE) makes the kernel refuse a large file, and ``os`` calls made
to fail with EIO at a chosen call.
"""

from __future__ import annotations

import errno
import os
import random
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from compiler.commands.build import run_compile
from compiler.config import RunConfig
from compiler.core.journal import lock
from compiler.core.paths import STAGING_PREFIX
from compiler.pipeline.build import build
from compiler.write import Changes, apply, recover
from tests.conftest import REPO, RunCli, require_tool
from tests.support.synthetic import synthetic_repo, write_policies

BASE = REPO / "tests" / "cases" / "base"
WEB = "out/kubernetes/apps/apps/web"
ENV = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"}
Snapshot = dict[str, tuple[str, int, bytes]]

# Runs the CLI, but ends the process with os._exit (no clean-up, no roll back, like
# SIGKILL) right before its n-th call of os.rename, os.replace or os.unlink.
STOPPING_CLI = """
import os, sys
from compiler.cli.main import main

stop_before, calls = int(sys.argv[1]), 0

def counted(real):
    def call(*args, **kwargs):
        global calls
        calls += 1
        if calls == stop_before:
            os._exit(137)
        return real(*args, **kwargs)
    return call

os.rename, os.replace, os.unlink = counted(os.rename), counted(os.replace), counted(os.unlink)
sys.argv = ["backup-policy", *sys.argv[2:]]
main()
"""


def snapshot(folder: Path) -> Snapshot:
    """Every path below ``folder`` with its kind, mode and bytes (folders included)."""
    found: Snapshot = {}
    for path in sorted(folder.rglob("*")):
        mode = stat.S_IMODE(path.lstat().st_mode)
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[rel] = ("link", mode, os.readlink(path).encode())
        elif path.is_dir():
            found[rel] = ("dir", mode, b"")
        else:
            found[rel] = ("file", mode, path.read_bytes())
    return found


def which_tree(after: Snapshot, trees: dict[str, Snapshot]) -> str:
    """The name of the tree ``after`` is; for a mix, the paths that match none of them."""
    for name, tree in trees.items():
        if after == tree:
            return name
    paths = sorted({*after, *(path for tree in trees.values() for path in tree)})
    mixed = [p for p in paths if after.get(p) not in [tree.get(p) for tree in trees.values()]]
    return f"a mix of the trees, e.g. {mixed[:5]}"


def staging_folders(repo: Path) -> list[Path]:
    return sorted(repo.glob(f"{STAGING_PREFIX}*"))


def stale_base(repo: Path) -> None:
    """The base case compiled, then made stale in every way a compile repairs: generated
    files edited (rewritten), one missing (new), a shared folder gone (new folders), a
    generated file no policy makes (removed, its folders pruned); one file mode 0o600."""
    shutil.copytree(BASE, repo)
    (repo / ".git").mkdir()
    assert run_compile_in(repo) == 0
    for name in ("k8up-schedule.yaml", "kustomization.yaml"):
        path = repo / WEB / "backup" / name
        path.write_text(path.read_text() + "# edited by hand\n")
    (repo / WEB / "backup" / "k8up-schedule.yaml").chmod(0o600)
    (repo / WEB / "backup" / "patches" / "pvc-web-data.yaml").unlink()
    shutil.rmtree(repo / "out/kubernetes/apps/storage")
    stale = repo / "out/kubernetes/apps/old/gone/backup/stale.yaml"
    stale.parent.mkdir(parents=True)
    stale.write_text((repo / WEB / "backup" / "prometheusrule.yaml").read_text())


def run_compile_in(repo: Path) -> int:
    """An uninterrupted compile, in this process (the setup, not what is tested)."""
    return run_compile(RunConfig(policies=repo / "policies", fix=True)).exit_code


def steps(repo: Path) -> int:
    """How many renames and replaces a compile of ``repo`` makes up to its commit point:
    the pending journal, per target the old file aside and the new one in, the commit."""
    changes = build(RunConfig(policies=repo / "policies")).changes
    assert changes is not None
    targets = {*changes.writes, *changes.deletes}
    moves = sum((changes.root / rel).exists() + (rel in changes.writes) for rel in targets)
    return 1 + moves + 1


def stopped(repo: Path, stop_before: int, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", STOPPING_CLI, str(stop_before), *args],
        cwd=repo,
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 137, done.stdout + done.stderr


@pytest.fixture
def stale(tmp_path: Path) -> tuple[Path, Snapshot, Snapshot]:
    """The stale base repository, its snapshot, and the snapshot a full compile makes."""
    repo = tmp_path / "repo"
    stale_base(repo)
    previous = snapshot(repo)
    shutil.copytree(repo, tmp_path / "done", symlinks=True)
    assert run_compile_in(tmp_path / "done") == 0
    return repo, previous, snapshot(tmp_path / "done")


def test_a_stopped_compile_is_rolled_back_or_finished_by_the_next_command(
    stale: tuple[Path, Snapshot, Snapshot], run_cli: RunCli
) -> None:
    """Stopped before the commit point: the previous tree; after it: the new one."""
    repo, previous, new = stale
    trees, commit = {"previous": previous, "new": new}, steps(repo)
    for stop_before, expected in (
        (1, "previous"),  # staged, no journal yet
        (2, "previous"),  # journal written, nothing renamed
        (commit // 2, "previous"),  # some files renamed
        (commit, "previous"),  # every rename done, not committed
        (commit + 1, "new"),  # committed, nothing cleaned up
        (commit + 2, "new"),  # journal removed, staging folder left
    ):
        stopped(repo, stop_before, "compile")
        assert staging_folders(repo), stop_before
        result = run_cli("check", cwd=repo)  # recovers first, then compares
        assert which_tree(snapshot(repo), trees) == expected, stop_before
        assert result.exit_code == (1 if expected == "previous" else 0), result.output
        if expected == "new":
            shutil.rmtree(repo)
            stale_base(repo)


def test_a_leftover_staging_folder_is_ignored_by_git(
    stale: tuple[Path, Snapshot, Snapshot],
) -> None:
    repo, _, _ = stale
    require_tool("git", shutil.which("git") is not None)
    shutil.rmtree(repo / ".git")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    stopped(repo, 3, "compile")
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    assert staging_folders(repo) and STAGING_PREFIX not in status.stdout


def test_a_recovery_that_is_killed_is_recovered_by_the_next_run(
    stale: tuple[Path, Snapshot, Snapshot], run_cli: RunCli
) -> None:
    repo, previous, new = stale
    stopped(repo, steps(repo), "compile")  # every rename done, not committed
    assert which_tree(snapshot(repo), {"previous": previous, "new": new}).startswith("a mix")
    for stop_before in (2, 1):  # the check's roll back, stopped twice
        stopped(repo, stop_before, "check")
    result = run_cli("check", cwd=repo)
    assert "was rolled back" in result.output
    assert which_tree(snapshot(repo), {"previous": previous, "new": new}) == "previous"
    assert staging_folders(repo) == []


POLICY_SETS = {
    "first": (range(90), 0),
    "second": (range(10, 100), 2),  # rewrites, new and removed files, created folders
}


def test_a_killed_large_compile_leaves_the_previous_or_the_new_tree(tmp_path: Path) -> None:
    """SIGKILL at 8 seeded random points of a large write (staging, renames, clean-up),
    each followed by the recovery every command runs first. The policies switch between
    two sets of 90 services (some 200 files to write, remove or rewrite), from whichever
    tree the last kill left: ten compiles, mostly their build, take some 15 s."""
    repo = synthetic_repo(tmp_path / "repo", range(100))
    trees, window = _both_trees(repo)
    rng, current = random.Random(20261206), "second"
    for _ in range(8):
        wanted = "first" if current == "second" else "second"
        write_policies(repo, *POLICY_SETS[wanted])
        process = _compile_process(repo)
        _wait_for_staging(repo, process)
        time.sleep(rng.uniform(0, window * 1.2))
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert recover(repo, repo).problems == ()  # what the next command runs first
        current = which_tree(snapshot(repo / "out"), {c: trees[c] for c in (current, wanted)})
        assert current in trees, current
        assert staging_folders(repo) == []


def _both_trees(repo: Path) -> tuple[dict[str, Snapshot], float]:
    """The output trees of both policy sets (one generated file with mode 0o600), and how
    long a compile from the first to the second writes (from its staging folder on)."""
    write_policies(repo, *POLICY_SETS["first"])
    assert run_compile_in(repo) == 0
    next((repo / "out").rglob("k8up-schedule.yaml")).chmod(0o600)
    first = snapshot(repo / "out")
    write_policies(repo, *POLICY_SETS["second"])
    process = _compile_process(repo)
    _wait_for_staging(repo, process)
    started = time.perf_counter()
    assert process.wait() == 0
    window = time.perf_counter() - started
    second = snapshot(repo / "out")
    assert len({p for p in {*first, *second} if first.get(p) != second.get(p)}) > 150
    return {"first": first, "second": second}, window


def _compile_process(repo: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "compiler", "compile", "--fix"],
        cwd=repo,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for_staging(repo: Path, process: subprocess.Popen[bytes]) -> None:
    """Until the compile starts writing: its build is not what is tested here."""
    while not staging_folders(repo) and process.poll() is None:
        time.sleep(0.002)
    assert process.poll() is None, "the compile ended before it was killed"


def _failing(real: Callable[..., Any], at: int, when: Callable[[tuple[Any, ...]], bool]) -> Any:
    """``real``, except that its ``at``-th call for which ``when(args)`` fails with EIO."""
    calls = 0

    def call(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += when(args)
        if when(args) and calls == at:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real(*args, **kwargs)

    return call


def _any(args: tuple[Any, ...]) -> bool:
    return True


def _journal(args: tuple[Any, ...]) -> bool:
    return str(args[1]).endswith("journal.json")


@pytest.mark.parametrize(
    ("call", "at", "when"),
    [
        ("fsync", 1, _any),  # the new files staged (and synced), writing the journal
        ("fsync", 3, _any),  # every rename done, marking the journal committed
        ("replace", 1, _journal),  # writing the journal
        ("rename", 1, _any),  # the first old file moved aside
        ("rename", 6, _any),  # in the middle of the renames
        ("replace", 2, _journal),  # every rename done, marking the journal committed
    ],
)
def test_an_io_error_rolls_everything_back_at_once(
    stale: tuple[Path, Snapshot, Snapshot],
    run_cli: RunCli,
    monkeypatch: pytest.MonkeyPatch,
    call: str,
    at: int,
    when: Callable[[tuple[Any, ...]], bool],
) -> None:
    repo, previous, _ = stale
    monkeypatch.setattr(os, call, _failing(getattr(os, call), at, when))
    result = run_cli("compile", cwd=repo)
    monkeypatch.undo()
    assert result.exit_code == 1, result.output
    assert "error [BP407] cannot write the output: Input/output error" in result.output
    assert "nothing was changed" in result.output and "Traceback" not in result.output
    assert snapshot(repo) == previous


def test_a_roll_back_that_fails_is_finished_by_the_next_run(
    stale: tuple[Path, Snapshot, Snapshot], run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, previous, new = stale
    monkeypatch.setattr(os, "rename", _failing(os.rename, 3, _any))

    def in_tree(args: tuple[Any, ...]) -> bool:
        """The roll back's replaces: not the journal's, nor the parse cache's (outside)."""
        return not _journal(args) and str(args[1]).startswith(str(repo))

    monkeypatch.setattr(os, "replace", _failing(os.replace, 1, in_tree))
    result = run_cli("compile", cwd=repo)
    monkeypatch.undo()
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "rolling back failed too" in result.output
    assert "left for the next compile or check to roll back" in result.output
    assert which_tree(snapshot(repo), {"previous": previous, "new": new}).startswith("a mix")
    assert "was rolled back" in run_cli("check", cwd=repo).output
    assert snapshot(repo) == previous


def test_a_file_the_kernel_refuses_rolls_back(stale: tuple[Path, Snapshot, Snapshot]) -> None:
    """A real I/O error: a file size limit below the largest new file (EFBIG)."""
    repo, previous, _ = stale
    changes = build(RunConfig(policies=repo / "policies")).changes
    assert changes is not None
    largest = max(changes.writes, key=lambda rel: len(changes.writes[rel]))
    limit = len(changes.writes[largest].encode()) - 1

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an error instead of a signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run(
        [sys.executable, "-m", "compiler", "compile", "--fix"],
        cwd=repo,
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=limited,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"out/{largest}:1:1: error [BP407] cannot write the output: File too large" in (
        done.stdout
    )
    assert "Traceback" not in done.stderr
    assert snapshot(repo) == previous


def test_a_staging_folder_of_a_live_run_is_left_alone(
    stale: tuple[Path, Snapshot, Snapshot], run_cli: RunCli
) -> None:
    repo, _, _ = stale
    live = repo / f"{STAGING_PREFIX}live"
    live.mkdir()
    previous = snapshot(repo)
    handle = lock(live)
    try:
        result = run_cli("compile", cwd=repo)
    finally:
        assert handle is not None
        os.close(handle)
    assert result.exit_code == 1
    assert f"{STAGING_PREFIX}live:1:1: error [BP407] another backup-policy run" in result.output
    assert snapshot(repo) == previous


def test_a_journal_naming_a_path_outside_is_refused(
    stale: tuple[Path, Snapshot, Snapshot], run_cli: RunCli, tmp_path: Path
) -> None:
    """A journal is data like any file of a pull request: it moves nothing outside."""
    repo, _, _ = stale
    (tmp_path / "canary.txt").write_text("CANARY\n")
    planted = repo / f"{STAGING_PREFIX}planted"
    (planted / "old").mkdir(parents=True)
    (planted / "old" / "0").write_text("overwritten\n")
    (planted / "journal.json").write_text(
        '{"format": 1, "state": "pending", "root": "out", "created": [],'
        ' "operations": [["../../canary.txt", false, true]]}'
    )
    before = snapshot(repo)
    result = run_cli("check", cwd=repo)
    assert result.exit_code == 1
    assert "error [BP407] an interrupted compile cannot be recovered" in result.output
    assert (tmp_path / "canary.txt").read_text() == "CANARY\n"
    assert snapshot(repo) == before


def test_apply_without_changes_creates_no_staging_folder(tmp_path: Path) -> None:
    assert apply(Changes(tmp_path), home=tmp_path).problems == ()
    assert staging_folders(tmp_path) == []
