"""Replay's key and entries: which runs are replayed, what makes another key, and what
is never remembered. The end-to-end behaviour is in ``tests/cli/test_entry.py``."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from compiler.core.replay import (
    KIND,
    MAX_ENTRIES,
    NO_REPLAY,
    Armed,
    Inputs,
    Recorded,
    arm,
    remember,
    replayed,
)
from compiler.core.user_cache import NO_CACHE
from compiler.core.witness import RACY_NS, Watched

STARTED = time.time_ns()


def _environ(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"XDG_CACHE_HOME": str(tmp_path / "cache"), **extra}


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["compile"],
        ["explain", "media/jellyfin"],
        ["check", "--verbose"],
        ["check", "-qv"],
        ["validate", "-h"],
        ["validate", "--help"],
        ["--version"],
    ],
)
def test_only_plain_validate_and_check_runs_are_replayed(tmp_path: Path, argv: list[str]) -> None:
    """compile and the other commands write or print what a replay would not; --verbose
    prints this run's timings."""
    assert arm(argv, _environ(tmp_path), STARTED) is None
    assert arm(["check", "-q", "--strict"], _environ(tmp_path), STARTED) is not None


@pytest.mark.parametrize("switch", [NO_REPLAY, NO_CACHE])
def test_the_environment_turns_replay_off(tmp_path: Path, switch: str) -> None:
    assert arm(["check"], _environ(tmp_path, **{switch: "1"}), STARTED) is None
    assert arm(["check"], _environ(tmp_path, **{switch: ""}), STARTED) is not None


def _key(tmp_path: Path, argv: list[str], **environ: str) -> str:
    armed = arm(argv, _environ(tmp_path, **environ), STARTED)
    assert armed is not None
    return armed.key


def test_what_changes_a_runs_output_makes_another_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = _key(tmp_path, ["check"])
    assert _key(tmp_path, ["check"], SHLVL="3", OLDPWD="/elsewhere") == base
    others = {
        _key(tmp_path, ["validate"]),
        _key(tmp_path, ["check", "--format", "json"]),
        _key(tmp_path, ["check", "--today", "2027-01-01"]),
        _key(tmp_path, ["check"], NO_COLOR="1"),
        _key(tmp_path, ["check"], GITHUB_ACTIONS="true"),
        _key(tmp_path, ["check"], SOURCE_DATE_EPOCH="0"),
        _key(tmp_path, ["check"], BACKUP_POLICY_ANYTHING="x"),
    }
    monkeypatch.chdir(tmp_path)  # paths in messages are relative to the working directory
    others.add(_key(tmp_path, ["check"]))
    assert base not in others and len(others) == 8


def _armed(tmp_path: Path, terminals: tuple[bool, bool] = (False, False)) -> Armed:
    armed = arm(["check"], _environ(tmp_path), time.time_ns())
    assert armed is not None
    return armed._replace(terminals=terminals)


def _inputs(tmp_path: Path) -> Inputs:
    policies = tmp_path / "repo" / "policies"
    policies.mkdir(parents=True, exist_ok=True)
    (policies / "cluster.yaml").write_text("kind: ClusterPolicy\n")
    old = (time.time_ns() - 2 * RACY_NS) / 1e9
    for path in (policies, policies / "cluster.yaml"):
        os.utime(path, (old, old))
    return Inputs((Watched(str(policies), False),), str(tmp_path / "repo"))


def test_a_remembered_run_is_replayed_until_an_input_changes(tmp_path: Path) -> None:
    armed, inputs = _armed(tmp_path), _inputs(tmp_path)
    remember(armed, Recorded(1, "out\n", "err\n"), inputs)
    assert replayed(armed) == Recorded(1, "out\n", "err\n")
    (Path(inputs.watched[0].path) / "cluster.yaml").write_text("kind: Other\n")
    assert replayed(armed) is None


def test_no_replay_while_a_compile_is_unsettled(tmp_path: Path) -> None:
    """The full run settles (or reports) what a killed compile left: a replay would not."""
    armed, inputs = _armed(tmp_path), _inputs(tmp_path)
    remember(armed, Recorded(0, "", ""), inputs)
    (Path(inputs.repository) / ".backup-policy.staging-x").mkdir()
    assert replayed(armed) is None


def test_colour_is_kept_only_for_a_terminal(tmp_path: Path) -> None:
    """click strips colour codes going to a pipe or a file; a replay prints text as it is,
    so a run whose colour click would strip is not remembered."""
    coloured = Recorded(1, "\x1b[31m-old\x1b[0m\n", "")
    remember(_armed(tmp_path), coloured, _inputs(tmp_path))
    assert replayed(_armed(tmp_path)) is None
    remember(_armed(tmp_path, (True, False)), coloured, _inputs(tmp_path))
    assert replayed(_armed(tmp_path, (True, False))) == coloured


def test_a_damaged_entry_is_no_entry(tmp_path: Path) -> None:
    armed = _armed(tmp_path)
    remember(armed, Recorded(0, "", ""), _inputs(tmp_path))
    entry = armed.folder / f"{armed.key}.json"
    for damaged in ("{", "[]", '{"read": 1}', ""):
        entry.write_text(damaged)
        assert replayed(armed) is None


def test_the_newest_entries_are_kept(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    for number in range(MAX_ENTRIES + 5):
        armed = _armed(tmp_path)._replace(key=f"{number:04d}")
        remember(armed, Recorded(0, "", ""), inputs)
        os.utime(armed.folder / f"{armed.key}.json", (number, number))
    kept = sorted(p.stem for p in (tmp_path / "cache" / "backup-policy" / KIND).iterdir())
    assert kept == [f"{number:04d}" for number in range(5, MAX_ENTRIES + 5)]
