"""Work split over forked processes gives exactly the serial results, in order, whatever a
child does, and leaves no process behind.

The forks run in a fresh interpreter (tests/support/parallel_probe.py): a test process may
hold a thread, and then nothing is forked at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate import generate
from compiler.cli import runner
from compiler.core import parallel

REPO = Path(__file__).resolve().parents[2]
SQUARES = [item * item for item in range(1000)]


def _probe(*args: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "tests.support.parallel_probe", *args]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout)
    return found


@pytest.fixture(scope="module")
def probe() -> dict[str, Any]:
    return _probe()


def _scenario(probe: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = probe["scenarios"][name]
    assert not found["left_behind"], f"{name}: a child was left behind"
    return found


def test_items_are_shared_round_robin_and_come_back_in_order(probe: dict[str, Any]) -> None:
    found = _scenario(probe, "square")
    assert found["values"] == SQUARES
    pids = found["pids"]
    workers = [pids[0], pids[1], pids[2]]
    assert len(set(workers)) == 3 and workers[0] == probe["parent"]
    assert pids == [workers[index % 3] for index in range(1000)]


def test_too_few_items_for_a_second_worker_stay_in_this_process(probe: dict[str, Any]) -> None:
    found = _scenario(probe, "few")  # 399 items: below 2 x MIN_ITEMS_PER_WORKER
    assert found["values"] == SQUARES[:399]
    assert set(found["pids"]) == {probe["parent"]}


@pytest.mark.parametrize("name", ["child-raises", "child-killed", "unpicklable"])
def test_what_a_child_fails_to_deliver_is_done_here(probe: dict[str, Any], name: str) -> None:
    found = _scenario(probe, name)
    assert found["values"] == SQUARES
    assert set(found["pids"]) == {probe["parent"]}


def test_an_item_that_fails_raises_here_and_stops_the_children(probe: dict[str, Any]) -> None:
    found = _scenario(probe, "item-fails")
    assert found["raised"] == "KeyError"


def test_with_another_thread_running_nothing_is_forked(probe: dict[str, Any]) -> None:
    found = _scenario(probe, "threaded")
    assert found["values"] == SQUARES
    assert set(found["pids"]) == {probe["parent"]}


def test_another_system_a_thread_or_a_tracer_rules_forking_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with monkeypatch.context() as patched:
        patched.setattr(sys, "platform", "darwin")
        assert not parallel.can_fork()
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not parallel.can_fork()
    finally:
        stop.set()
        thread.join()
    previous = sys.gettrace()
    sys.settrace(lambda *_: None)
    try:
        assert not parallel.can_fork()
    finally:
        sys.settrace(previous)


def test_a_compile_by_two_processes_equals_a_compile_by_one(tmp_path: Path) -> None:
    generate(tmp_path, 100)  # 525 files: rendered and verified by two processes
    found = _probe("build", str(tmp_path))
    one, two = found["1"], found["2"]
    assert len(one["outputs"]) > 2 * parallel.MIN_ITEMS_PER_WORKER
    assert two["outputs"] == one["outputs"]
    assert list(two["outputs"]) == list(one["outputs"])
    assert two["diagnostics"] == one["diagnostics"]
    assert one["children_cpu"] == 0 and two["children_cpu"] > 0
    assert not found["left_behind"]


def test_verify_by_two_processes_finds_every_problem_in_order(probe: dict[str, Any]) -> None:
    found = _scenario(probe, "verify")
    assert found["children_cpu_1"] == 0 and found["children_cpu_2"] > 0
    assert found["2"] == found["1"]
    files = [problem.split(":", 1)[0] for problem in found["1"]]
    assert files[0] == "f0003.yaml" and files[-1] == "f0997.yaml"
    assert {"f0003.yaml", "f0500.yaml", "f0997.yaml"} == set(files)
    assert sum("[BP491]" in problem for problem in found["1"]) == 2  # x and y[1]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *[("3", 3), ("1", 1), (" 2 ", 2), ("0", None), ("-2", None), ("", None), ("four", None)],
        pytest.param("9" * 5000, None, id="5000-digits"),
        pytest.param(None, None, id="unset"),
    ],
)
def test_the_cli_takes_the_number_of_processes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str | None, expected: int | None
) -> None:
    """BACKUP_POLICY_JOBS, when it is a whole number above 0; else every processor, up to 4."""
    if value is None:
        monkeypatch.delenv(runner.JOBS, raising=False)
    else:
        monkeypatch.setenv(runner.JOBS, value)
    monkeypatch.setattr(runner, "available_workers", lambda: 4)
    assert runner.workers() == (expected or 4)


def test_workers_are_the_processors_this_process_may_use_up_to_four(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _: set(range(16)), raising=False)
    assert parallel.available_workers() == 4
    monkeypatch.setattr(os, "sched_getaffinity", lambda _: {3}, raising=False)
    assert parallel.available_workers() == 1
