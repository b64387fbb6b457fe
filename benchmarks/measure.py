"""Whole processes, timed from outside: wall time and peak RSS from the kernel's rusage."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    """One finished process: wall and CPU (user + system) seconds, peak RSS (MiB), exit code
    and output."""

    wall: float
    cpu: float
    rss: float
    code: int
    stdout: str


@dataclass(frozen=True)
class Spread:
    """Median, minimum and maximum of several runs' wall times; median CPU time and RSS."""

    median: float
    low: float
    high: float
    cpu: float
    rss: float
    runs: int


def run(command: list[str], cwd: Path = REPO, env: dict[str, str] | None = None) -> Run:
    """Start ``command`` with its output in a file; reap it with wait4 for its own rusage.
    ``env`` is added to this process's environment."""
    environ = {**os.environ, **(env or {})}
    with open(os.devnull, "rb") as stdin, tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, stdin=stdin, stdout=out, stderr=out, env=environ
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(wall, cpu, usage.ru_maxrss / 1024, process.returncode, text)


def spread(runs: list[Run]) -> Spread:
    walls = [r.wall for r in runs]
    return Spread(
        statistics.median(walls),
        min(walls),
        max(walls),
        statistics.median(r.cpu for r in runs),
        statistics.median(r.rss for r in runs),
        len(runs),
    )


def cold(args: list[str], count: int, env: dict[str, str] | None = None) -> Spread:
    """``python -m compiler ARGS`` on the example, ``count`` times after one warm-up."""
    command = [sys.executable, "-m", "compiler", *args]
    run(command, env=env)
    return spread([run(command, env=env) for _ in range(count)])


def interpreter(count: int) -> Spread:
    """``python -c pass``: what every process pays before the compiler's first line."""
    command = [sys.executable, "-c", "pass"]
    return spread([run(command) for _ in range(count + 1)][1:])


# The program's entry, saying whether the run ended as a replay: a full run ends in
# os._exit (compiler.cli.runner.exit_now) and prints nothing more; a replay raises
# SystemExit having imported neither click nor pydantic.
_REPLAY_PROBE = """
import sys
from compiler.cli.entry import main
try:
    main()
except SystemExit:
    print("replayed:", not any(m in sys.modules for m in ("click", "pydantic")))
    raise
"""


def replays(args: list[str]) -> bool:
    """Whether ``backup-policy ARGS`` on the example is replayed after two runs (the first
    records what it read, the second confirms it did not change while it ran)."""
    for _ in range(2):
        run([sys.executable, "-m", "compiler", *args])
    return "replayed: True" in run([sys.executable, "-c", _REPLAY_PROBE, *args]).stdout


def import_seconds(count: int) -> Spread:
    """Importing the CLI in a fresh interpreter: wall and CPU seconds measured inside it."""
    code = (
        "import time; t, c = time.perf_counter(), time.process_time(); "
        "import compiler.cli.main; print(time.perf_counter() - t, time.process_time() - c)"
    )
    runs = [run([sys.executable, "-c", code]) for _ in range(count + 1)][1:]
    walls = [float(r.stdout.split()[0]) for r in runs]
    cpu = statistics.median(float(r.stdout.split()[1]) for r in runs)
    return Spread(statistics.median(walls), min(walls), max(walls), cpu, spread(runs).rss, count)
