"""Runs :func:`compiler.core.parallel.map_items` in a fresh interpreter and prints what
happened as one JSON line: ``python -m tests.support.parallel_probe`` (every scenario of
SCENARIOS) or ``python -m tests.support.parallel_probe build ROOT`` (a compile).

A test process may hold threads (a fixture's server reader, a writer thread), and then
nothing is forked; a fresh interpreter holds none, so the forks are certain and what they
did can be seen: which process worked on each item (its pid), whether a child is left
behind, and the CPU time of the children.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from compiler.config import RunConfig
from compiler.core.parallel import map_items
from compiler.pipeline.build import build
from compiler.verify import verify_rendered

PARENT = os.getpid()
ITEMS = list(range(1000))


def _in_child() -> bool:
    return os.getpid() != PARENT


def _square(item: int) -> tuple[int, int]:
    return item * item, os.getpid()


def _raises_in_child(item: int) -> tuple[int, int]:
    if _in_child():
        raise ValueError("a child's failure")
    return _square(item)


def _killed_in_child(item: int) -> tuple[int, int]:
    if _in_child():
        os.kill(os.getpid(), signal.SIGKILL)
    return _square(item)


def _unpicklable_in_child(item: int) -> Any:
    return (lambda: item) if _in_child() else _square(item)


def _fails_on_700(item: int) -> tuple[int, int]:
    if item == 700:
        raise KeyError(item)
    return _square(item)


def _run(work: Callable[[int], Any], items: list[int], workers: int) -> dict[str, Any]:
    try:
        results = map_items(work, items, workers)
    except Exception as error:
        return {"raised": type(error).__name__}
    return {"values": [r[0] for r in results], "pids": [r[1] for r in results]}


def _threaded() -> dict[str, Any]:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        return _run(_square, ITEMS, 4)
    finally:
        stop.set()
        thread.join()


def _children_cpu() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime


def _build(root: str) -> dict[str, Any]:
    """A compile of the tree at ``root`` by one process and by two: texts, problems, and
    the CPU time the forked workers spent."""
    runs = {}
    for workers in (1, 2):
        before = _children_cpu()
        result = build(RunConfig(policies=Path(root) / "policies", workers=workers))
        runs[workers] = {
            "outputs": result.outputs,
            "diagnostics": [d.render() for d in result.diagnostics.items],
            "children_cpu": _children_cpu() - before,
        }
    return {str(w): run for w, run in runs.items()}


def _verify() -> dict[str, Any]:
    """Problems in files of every share: found by two processes as by one, in order."""
    outputs = {f"f{index:04}.yaml": "kind: A\nspec:\n  x: 1\n" for index in range(1000)}
    outputs["f0003.yaml"] = "kind: A\nspec:\n  x: null\n  y: [1, null]\n"
    outputs["f0500.yaml"] = "kind: [\n"
    outputs["f0997.yaml"] = "spec: {}\n---\n- op: add\n"
    outputs["notes.md"] = "kind: [\n"  # not YAML: not verified
    found: dict[str, Any] = {}
    for workers in (1, 2):
        before = _children_cpu()
        found[str(workers)] = [d.render() for d in verify_rendered(outputs, workers)]
        found[f"children_cpu_{workers}"] = _children_cpu() - before
    return found


SCENARIOS: dict[str, Callable[[], dict[str, Any]]] = {
    "square": lambda: _run(_square, ITEMS, 3),
    "few": lambda: _run(_square, ITEMS[:399], 4),
    "child-raises": lambda: _run(_raises_in_child, ITEMS, 2),
    "child-killed": lambda: _run(_killed_in_child, ITEMS, 2),
    "unpicklable": lambda: _run(_unpicklable_in_child, ITEMS, 2),
    "item-fails": lambda: _run(_fails_on_700, ITEMS, 2),
    "threaded": _threaded,
    "verify": _verify,
}


def _left_behind() -> bool:
    """Whether a child of this process is still there (running, or a zombie)."""
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return False
    return True


def main() -> None:
    if sys.argv[1:2] == ["build"]:
        print(json.dumps({**_build(sys.argv[2]), "left_behind": _left_behind()}))
        return
    found = {}
    for name, scenario in SCENARIOS.items():
        found[name] = {**scenario(), "left_behind": _left_behind()}
    print(json.dumps({"parent": PARENT, "scenarios": found}))


if __name__ == "__main__":
    main()
