"""Independent items of one stage, worked on by forked copies of the process.

Rendering and verifying thousands of files are pure functions of data the process holds
already, and their results (texts, problems) are small next to it. A forked child shares
that data without copying or pickling it; only the results come back, through a pipe.

The results are exactly the serial ones, in the items' order: item ``i`` goes to worker
``i % n`` and comes back to place ``i``. A child that fails in any way (an exception, a
signal, a result that does not unpickle) costs time, never a result: its items are done
again in this process, where an exception surfaces as it would have without workers.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")
Out = TypeVar("Out")

MIN_ITEMS_PER_WORKER = 200
"""Fewer items than this per worker are done in this process: a fork and the results'
trip back cost about 10 ms, what 200 files take to render."""
MAX_WORKERS = 4


def available_workers() -> int:
    """The processors this process may run on, at most MAX_WORKERS."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    return max(1, min(count, MAX_WORKERS))


def can_fork() -> bool:
    """Forking is safe and keeps its promises: Linux (macOS's system libraries may start
    threads of their own, and Python's multiprocessing no longer forks there), no other
    thread (a fork copies only the calling thread, and a lock another thread held stays
    held in the child), and no tracer or profiler (coverage and cProfile see this process
    only)."""
    return (
        sys.platform == "linux"
        and threading.active_count() == 1
        and sys.gettrace() is None
        and sys.getprofile() is None
    )


Child = tuple[int, int]
"""A forked worker: its pid, and the read end of the pipe its pickled results come on."""


def map_items(work: Callable[[Item], Out], items: Sequence[Item], workers: int) -> list[Out]:
    """``[work(item) for item in items]``, by up to ``workers`` processes."""
    count = min(workers, len(items) // MIN_ITEMS_PER_WORKER)
    if count < 2 or not can_fork():
        return [work(item) for item in items]
    shares = [items[index::count] for index in range(count)]
    pending: list[tuple[Sequence[Item], Child | None]] = []
    try:
        for share in shares[1:]:
            siblings = [child[1] for _, child in pending if child is not None]
            pending.append((share, _start(work, share, siblings)))
        done = [[work(item) for item in shares[0]]]
        while pending:
            share, child = pending.pop(0)
            done.append(_finish(child, work, share))
    finally:  # this process failed (or was interrupted): its children are of no use
        for _, child in pending:
            if child is not None:
                _stop(child)
    results: list[Out] = [None] * len(items)  # type: ignore[list-item]
    for index, share_results in enumerate(done):
        results[index::count] = share_results
    return results


def _start(work: Callable[[Item], Out], share: Sequence[Item], siblings: list[int]) -> Child | None:
    """A child working on ``share`` (None: the system would not fork one)."""
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:  # no process to be had (a limit, memory): this process does the share
        os.close(read_end)
        os.close(write_end)
        return None
    if pid:
        os.close(write_end)
        return pid, read_end
    status = 1
    try:  # the child: never returns, never runs the parent's exit handlers or flushes
        os.close(read_end)
        for fd in siblings:  # a sibling's pipe: a sibling must see its reader close
            os.close(fd)
        data = pickle.dumps([work(item) for item in share], pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)
        status = 0
    finally:
        os._exit(status)


def _stop(child: Child) -> None:
    """End a child whose results are no longer wanted, and reap it (no zombie is left)."""
    pid, read_end = child
    os.close(read_end)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def _finish(child: Child | None, work: Callable[[Item], Out], share: Sequence[Item]) -> list[Out]:
    """The child's results; its share done here when it did not deliver them."""
    if child is None:
        return [work(item) for item in share]
    pid, read_end = child
    try:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
    finally:  # reaped even when this process is interrupted (the closed pipe ends it)
        _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) == 0:
        try:
            results = pickle.loads(data)
        except Exception:  # a truncated or foreign stream: do the share here
            results = None
        if isinstance(results, list) and len(results) == len(share):
            return results
    return [work(item) for item in share]
