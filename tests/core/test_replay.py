"""Replay's key and entries: which runs are replayed, what makes another key, and what
is never remembered. The end-to-end behaviour is in ``tests/cli/test_entry.py``."""

from __future__ import annotations

import io
import os
import sys
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
    lookup,
    remember,
)
from compiler.core.user_cache import NO_CACHE
from compiler.core.witness import Watched


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
    assert arm(argv, _environ(tmp_path)) is None
    assert arm(["check", "-q", "--strict"], _environ(tmp_path)) is not None


@pytest.mark.parametrize("switch", [NO_REPLAY, NO_CACHE])
def test_the_environment_turns_replay_off(tmp_path: Path, switch: str) -> None:
    assert arm(["check"], _environ(tmp_path, **{switch: "1"})) is None
    assert arm(["check"], _environ(tmp_path, **{switch: ""})) is not None


def _key(tmp_path: Path, argv: list[str], **environ: str) -> str:
    armed = arm(argv, _environ(tmp_path, **environ))
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
        _key(tmp_path, ["check"], PYTHONTZPATH="/nowhere"),  # which time zones exist
    }
    monkeypatch.chdir(tmp_path)  # paths in messages are relative to the working directory
    others.add(_key(tmp_path, ["check"]))
    assert base not in others and len(others) == 9


def _armed(tmp_path: Path, terminals: tuple[bool, bool] = (False, False)) -> Armed:
    armed = arm(["check"], _environ(tmp_path))
    assert armed is not None
    return armed._replace(terminals=terminals)


def _inputs(tmp_path: Path) -> Inputs:
    policies = tmp_path / "repo" / "policies"
    policies.mkdir(parents=True, exist_ok=True)
    if not (policies / "cluster.yaml").exists():
        (policies / "cluster.yaml").write_text("kind: ClusterPolicy\n")
    return Inputs((Watched(str(policies), "policies", 1000),), str(tmp_path / "repo"))


def _run(armed: Armed, recorded: Recorded, inputs: Inputs) -> Recorded | None:
    """One run: look up (what a replay prints, or None), then remember what it printed."""
    found, armed = lookup(armed)
    if found is None:
        remember(armed, recorded, inputs)
    return found


def test_a_run_is_replayed_once_another_saw_its_inputs_unchanged(tmp_path: Path) -> None:
    """The first run only records what it read; the second, finding the same before and
    after it ran, confirms it; the third is replayed, until an input changes."""
    armed, inputs, printed = _armed(tmp_path), _inputs(tmp_path), Recorded(1, "out\n", "err\n")
    assert [_run(armed, printed, inputs) for _ in range(3)] == [None, None, printed]
    (Path(inputs.watched[0].path) / "cluster.yaml").write_text("kind: Other\n")
    assert [_run(armed, printed, inputs) for _ in range(2)] == [None, printed]


def test_a_run_whose_inputs_changed_while_it_ran_is_not_confirmed(tmp_path: Path) -> None:
    """What a run printed stands for what it read only if its inputs were the same after
    it as before it: a file written (even with its old time set back) during the run
    leaves the entry unconfirmed, and the next run runs too."""
    armed, inputs, printed = _armed(tmp_path), _inputs(tmp_path), Recorded(0, "", "")
    _run(armed, printed, inputs)
    found, seen = lookup(armed)
    assert found is None and seen.seen is not None
    (Path(inputs.watched[0].path) / "cluster.yaml").write_text("kind: Changed\n")  # mid-run
    remember(seen, printed, inputs)
    assert lookup(armed)[0] is None
    assert _run(armed, printed, inputs) is None and _run(armed, printed, inputs) == printed


def test_no_replay_while_a_compile_is_unsettled(tmp_path: Path) -> None:
    """The full run settles (or reports) what a killed compile left: a replay would not."""
    armed, inputs, printed = _armed(tmp_path), _inputs(tmp_path), Recorded(0, "", "")
    assert [_run(armed, printed, inputs) for _ in range(3)] == [None, None, printed]
    (Path(inputs.repository) / ".backup-policy.staging-x").mkdir()
    assert lookup(armed)[0] is None


def test_colour_is_kept_only_for_a_terminal(tmp_path: Path) -> None:
    """click strips colour codes going to a pipe or a file; a replay prints text as it is,
    so a run whose colour click would strip is not remembered."""
    coloured, inputs = Recorded(1, "\x1b[31m-old\x1b[0m\n", ""), _inputs(tmp_path)
    assert [_run(_armed(tmp_path), coloured, inputs) for _ in range(3)] == [None] * 3
    on_terminal = _armed(tmp_path, (True, False))
    assert [_run(on_terminal, coloured, inputs) for _ in range(3)] == [None, None, coloured]


@pytest.mark.parametrize(
    "damaged", ["{", "[]", '{"read": 1}', "", '{"read": [["p", false]]}', "exit: 256"]
)
def test_a_damaged_entry_is_no_entry(tmp_path: Path, damaged: str) -> None:
    armed, inputs, printed = _armed(tmp_path), _inputs(tmp_path), Recorded(0, "", "")
    for _ in range(2):
        _run(armed, printed, inputs)
    entry = armed.folder / f"{armed.key}.json"
    if damaged == "exit: 256":  # an exit code the program never gives (a hand edit)
        damaged = entry.read_text().replace('"exit": 0', '"exit": 256')
    entry.write_text(damaged)
    assert lookup(armed)[0] is None


def test_an_entry_that_is_not_a_file_is_not_waited_on(tmp_path: Path) -> None:
    armed = _armed(tmp_path)
    os.mkfifo(armed.folder / f"{armed.key}.json")
    assert lookup(armed) == (None, armed)


def test_the_newest_entries_are_kept(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    for number in range(MAX_ENTRIES + 5):
        armed = _armed(tmp_path)._replace(key=f"{number:04d}")
        remember(armed, Recorded(0, "", ""), inputs)
        os.utime(armed.folder / f"{armed.key}.json", (number, number))
    kept = sorted(p.stem for p in (tmp_path / "cache" / "backup-policy" / KIND).iterdir())
    assert kept == [f"{number:04d}" for number in range(5, MAX_ENTRIES + 5)]


def test_python_warnings_and_other_encodings_are_not_replayed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python's own warnings belong to the run; click re-encodes a stream that is not
    UTF-8 (ASCII: as UTF-8 with replacements), which a replay would not."""
    assert arm(["check"], _environ(tmp_path, PYTHONWARNINGS="always")) is None
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="ascii"))
    assert arm(["check"], _environ(tmp_path)) is None
