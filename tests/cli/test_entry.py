"""The program as the pre-commit hooks start it: a ``validate`` or ``check`` whose inputs
did not change is replayed (without click or pydantic), byte for byte what the full run
printed, and every change a run could see makes a full run again."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

from compiler.core.paths import STAGING_PREFIX
from compiler.core.replay import NO_REPLAY
from tests.support.files import REPO, copy_example

# The program's entry, with a note of whether the run ended as a replay: a full run ends in
# os._exit (compiler.cli.runner.exit_now) and leaves no note, a replay raises SystemExit
# having imported neither click nor pydantic.
PROGRAM = """
import os, sys
from compiler.cli.entry import main
try:
    main()
except SystemExit:
    with open(os.environ["REPLAY_NOTE"], "w") as note:
        note.write(str(any(m in sys.modules for m in ("click", "pydantic"))))
    raise
"""
APP = "out/kubernetes/apps/media/audiobookshelf/backup/k8up-schedule.yaml"


class Run(NamedTuple):
    code: int
    stdout: str
    stderr: str
    replayed: bool

    @property
    def printed(self) -> tuple[int, str, str]:
        return self.code, self.stdout, self.stderr


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repository = copy_example(tmp_path / "repo")
    subprocess.run(["git", "init", "-q", str(repository)], check=True)
    return repository


def _run(repo: Path, *args: str, **environ: str) -> Run:
    note = repo.parent / "replay-note"
    note.unlink(missing_ok=True)
    env = {
        **os.environ,
        "XDG_CACHE_HOME": str(repo.parent / "cache"),
        "REPLAY_NOTE": str(note),
        **environ,
    }
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    replayed = note.exists() and note.read_text() == "False"
    return Run(done.returncode, done.stdout, done.stderr, replayed)


def _full(repo: Path, *args: str) -> Run:
    run = _run(repo, *args, **{NO_REPLAY: "1"})
    assert not run.replayed
    return run


@pytest.mark.parametrize(
    "args",
    [
        ("validate",),
        ("validate", "--format", "json"),
        ("check",),
        ("check", "--format", "json"),
        ("check", "--format", "github"),
        ("check", "--format", "sarif", "--strict"),
    ],
)
def test_an_unchanged_run_is_replayed_as_it_printed(repo: Path, args: tuple[str, ...]) -> None:
    """The first run records what it read, the second finds it unchanged before and after
    it ran, the third is replayed: byte for byte what they printed."""
    runs = [_run(repo, *args) for _ in range(3)]
    assert [run.replayed for run in runs] == [False, False, True]
    assert runs[0].printed == runs[1].printed == runs[2].printed
    assert runs[0].code == (1 if "--strict" in args else 0)


def _edit(path: str, text: str) -> Callable[[Path], object]:
    return lambda repo: (repo / path).write_text(text)


def _append(path: str, text: str) -> Callable[[Path], object]:
    return lambda repo: (repo / path).write_text((repo / path).read_text() + text)


def _restore(path: str) -> Callable[[Path], object]:
    """``path`` as the example has it."""
    return lambda repo: (repo / path).write_text((REPO / path).read_text())


POLICY = "policies/services/jellyfin.yaml"
CHANGES: list[tuple[str, Callable[[Path], object], bool]] = [
    ("a generated file edited by hand", _append(APP, "# edited\n"), False),
    ("the edit undone", _restore(APP), False),
    ("a generated file deleted", lambda repo: (repo / APP).unlink(), False),
    ("the file back", _restore(APP), False),
    ("a hand-written manifest", _edit("out/kubernetes/apps/media/x.yaml", "kind: A\n"), False),
    ("a policy changed", _append(POLICY, "  bogus: 1\n"), False),
    ("the policy back", _restore(POLICY), False),
    ("a hidden folder no reader opens", lambda repo: (repo / "out" / ".cache").mkdir(), True),
]


def test_every_change_a_run_sees_makes_a_full_run(repo: Path) -> None:
    """After each change the first run is a full one (only a change no reader sees is
    replayed, and prints what a run without replay prints), and is replayed next time."""
    assert [_run(repo, "check").replayed for _ in range(3)] == [False, False, True]
    seen = set()
    for name, change, replays in CHANGES:
        change(repo)
        runs = [_run(repo, "check") for _ in range(3)]
        # a run that reads other folders (a policy error: not the tree) needs one more
        assert [run.replayed for run in runs][0::2] == [replays, True], name
        full = _full(repo, "check") if runs[0].replayed else runs[0]
        assert all(run.printed == full.printed for run in runs), name
        seen.add(full.code)
    assert seen == {0, 1}  # the drift and the bad policy failed, the rest passed


def test_a_run_is_not_replayed_while_a_compile_is_unsettled(repo: Path) -> None:
    assert [_run(repo, "check").replayed for _ in range(3)] == [False, False, True]
    (repo / f"{STAGING_PREFIX}left").mkdir()
    settled = _run(repo, "check")
    assert not settled.replayed and settled.printed == _full(repo, "check").printed


def test_a_link_on_the_way_to_the_output_root_is_followed(repo: Path) -> None:
    """``-o cur/out`` with ``cur`` a link: pointing it at another site's tree is a change
    (the run resolves the link; what it read was the other tree)."""
    for site in ("a", "b"):
        shutil.copytree(repo / "out", repo / "sites" / site / "out")
    (repo / "sites" / "b" / APP.replace("out/", "out/", 1)).unlink()
    (repo / "cur").symlink_to("sites/a")
    assert [_run(repo, "check", "-o", "cur/out").replayed for _ in range(3)] == [
        False,
        False,
        True,
    ]
    (repo / "cur").unlink()
    (repo / "cur").symlink_to("sites/b")
    moved = _run(repo, "check", "-o", "cur/out")
    assert not moved.replayed and moved.code == 1 and "BP400" in moved.stdout


def test_a_stream_that_is_not_utf8_is_never_replayed(repo: Path) -> None:
    """click writes to an ASCII stream as UTF-8 with replacements; a replay would write
    the text as it is (a traceback on the first character past ASCII)."""
    ascii_out = {"PYTHONIOENCODING": "ascii", "PYTHONUTF8": "0", "LC_ALL": "C"}
    runs = [_run(repo, "check", **ascii_out) for _ in range(3)]
    assert [run.replayed for run in runs] == [False] * 3
    assert runs[0].printed == runs[2].printed and "Traceback" not in runs[2].stderr


@pytest.mark.parametrize("args", [("check", "-v"), ("compile",)])
def test_timings_and_writes_are_never_replayed(repo: Path, args: tuple[str, ...]) -> None:
    assert [_run(repo, *args).replayed for _ in range(3)] == [False, False, False]


def test_an_unusable_cache_folder_changes_nothing_but_the_time(repo: Path) -> None:
    blocked = repo.parent / "not-a-folder"
    blocked.write_text("")
    runs = [_run(repo, "check", XDG_CACHE_HOME=str(blocked)) for _ in range(2)]
    assert [run.replayed for run in runs] == [False, False]
    assert runs[0].printed == runs[1].printed == _full(repo, "check").printed


def test_a_process_started_with_stdout_closed_ends_without_a_traceback(repo: Path) -> None:
    """``backup-policy check >&-``: Python then has no sys.stdout. Such a run is never
    replayed (it has no stream to replay to) and must not fail on the missing stream."""
    note = repo.parent / "replay-note"
    env = {**os.environ, "XDG_CACHE_HOME": str(repo.parent / "cache"), "REPLAY_NOTE": str(note)}
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-c", PROGRAM, "check"],
            cwd=repo,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=lambda: os.close(1),  # in the child, before it starts
            check=False,
        )
        assert (done.returncode, done.stderr) == (0, "")
        assert not note.exists()  # a full run every time
