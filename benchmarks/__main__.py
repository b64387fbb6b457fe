"""Benchmark: ``python -m benchmarks`` (or ``python benchmarks/run.py``) prints Markdown.

1. ``backup-policy validate`` and ``check`` on the example homelab as whole processes (the
   pre-commit hook's view): median, min and max of ``--cold`` runs after one warm-up,
   replayed (inputs unchanged: :mod:`compiler.core.replay`) and run (replay off).
2. For each ``--sizes`` N: a synthetic homelab (:mod:`benchmarks.generate`), compiled
   ``--repeat`` times in rounds that take every size in turn (see :func:`sizes`), each
   time in a fresh process on a fresh copy with an empty cache folder
   (:mod:`benchmarks.stages`), the copy flushed to disk first and no copy removed before the
   run ends (see :func:`_attempt`): wall time and peak RSS per stage; ``backup-policy check`` of
   each compiled copy twice (a whole process with nothing to write; the second finds every
   file in the parse cache); then ``kubectl kustomize`` building the compiled tree.
3. The targets of SPEC §8 and issue 10, met or not (:mod:`benchmarks.targets`).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import compiler
from benchmarks import kustomize, measure, table
from benchmarks.figures import Figures
from benchmarks.generate import generate
from benchmarks.targets import targets
from compiler.core.replay import NO_REPLAY
from compiler.core.user_cache import NO_CACHE


def _compile(policies: Path, tracemalloc: bool, cache: dict[str, str]) -> Figures:
    command = [sys.executable, "-m", "benchmarks.stages", str(policies)]
    command += ["--tracemalloc"] if tracemalloc else []
    done = measure.run([*command, "--spawned", repr(time.time())], env=cache)
    if done.code != 0:
        raise SystemExit(f"compile of {policies} failed:\n{done.stdout[-3000:]}")
    return Figures(**json.loads(done.stdout.strip().splitlines()[-1]))


def _check(root: Path, cache: dict[str, str]) -> measure.Run:
    """``backup-policy check`` of a compiled copy: nothing to write, exit 0 expected."""
    done = measure.run([sys.executable, "-m", "compiler", "check"], cwd=root, env=cache)
    if done.code != 0:
        raise SystemExit(f"check of the compiled {root} failed:\n{done.stdout[-3000:]}")
    return done


class _Homelab:
    """One size: its generated template and its figures, in a folder of its own."""

    def __init__(self, count: int, scratch: Path) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=f"bp-bench-{count}-", dir=scratch))
        generate(self.folder / "template", count)
        self.result = table.Size(count)


def _attempt(homelab: _Homelab, attempt: int, options: argparse.Namespace) -> None:
    """Compile a fresh copy, check it twice, and the first time kustomize the tree.

    The compile's write stage measures the harness unless two things are kept out of it:
    it flushes the disk with ``os.sync()``, which also waits for the copy just made (so the
    copy is flushed before); and on the results' machine (ext4 mounted ``discard``),
    creating 5,000 files soon after thousands were removed took 1.1-1.6 s where it took
    0.1 s otherwise (so no copy is removed before the run ends)."""
    folder, result = homelab.folder, homelab.result
    copy = folder / f"run-{attempt}"
    shutil.copytree(folder / "template", copy)
    os.sync()
    # a cache folder of its own: each compile is a machine's first (nothing parsed,
    # no template compiled), each first check parses what the compile wrote
    # (replay off: these rows are the runs themselves, the example's rows show a replay)
    cache = {"XDG_CACHE_HOME": str(folder / f"cache-{attempt}"), NO_REPLAY: "1"}
    result.runs.append(_compile(copy / "policies", options.tracemalloc, cache))
    result.checks.append(_check(copy, cache))
    result.rechecks.append(_check(copy, cache))
    if attempt == 0 and options.kustomize_runs:
        result.kustomize = kustomize.measure(
            copy / "out",
            folder / "kustomize",
            options.kustomize_runs,
            options.kustomize_max,
            options.sample,
        )


def sizes(options: argparse.Namespace, scratch: Path) -> list[table.Size]:
    """Every size compiled ``--repeat`` times, in rounds: each round compiles every size
    once, in the other order than the round before. This machine's speed drifts by a
    third within minutes; compiling the sizes one after the other put the 1,000- and the
    5,000-service figures in different moments, and their ratio (the linearity target)
    moved with it. Within a round, the two sizes share the moment."""
    homelabs = [_Homelab(count, scratch) for count in options.sizes]
    for attempt in range(options.repeat):
        for homelab in homelabs if attempt % 2 == 0 else reversed(homelabs):
            _attempt(homelab, attempt, options)
    for homelab in homelabs:
        result = homelab.result
        _progress(f"{result.services:,} services: compile {result.compile():.2f} s (median)")
    return [homelab.result for homelab in homelabs]


def _progress(line: str) -> None:
    """A line on stderr as each part ends: the table comes only at the end of a long run."""
    print(time.strftime("%H:%M:%S"), line, file=sys.stderr, flush=True)


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=[10, 100, 1000, 5000])
    parser.add_argument("--repeat", type=int, default=3, help="compiles per size")
    parser.add_argument("--cold", type=int, default=10, help="runs of validate and check")
    parser.add_argument(
        "--kustomize-runs", type=int, default=3, help="whole-tree builds per size (0: none)"
    )
    parser.add_argument(
        "--kustomize-max", type=int, default=1000, help="most services built in one go"
    )
    parser.add_argument("--sample", type=int, default=50, help="app paths built one by one")
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also trace Python allocations (slower)"
    )
    return parser.parse_args()


def _example(count: int) -> table.Example:
    """The example's whole-process rows: each command replayed (its inputs unchanged since
    the warm-up) and run (replay off), check without any cache, and what every run pays."""
    for command in ("validate", "check"):
        if not measure.replays([command]):
            raise SystemExit(
                f"the example's {command} was not replayed: see compiler/core/replay.py"
            )
    run = {NO_REPLAY: "1"}
    example = table.Example(
        validate=measure.cold(["validate"], count),
        validate_run=measure.cold(["validate"], count, env=run),
        check=measure.cold(["check"], count),
        check_run=measure.cold(["check"], count, env=run),
        uncached=measure.cold(["check"], count, env={NO_CACHE: "1"}),
        interpreter=measure.interpreter(count),
        imports=measure.import_seconds(count),
    )
    _progress(
        f"example: validate {example.validate.median:.2f} s (run "
        f"{example.validate_run.median:.2f} s), check {example.check.median:.2f} s (run "
        f"{example.check_run.median:.2f} s)"
    )
    return example


def bytecode() -> None:
    """Compile the package's and the benchmark's ``.pyc`` files before any run, as
    ``pip install`` does for an installed copy. An editable install compiles nothing, and
    where ``PYTHONDONTWRITEBYTECODE`` is set (these machines) every process would compile
    the package from source: about 0.3 s of each start-up that no user pays."""
    for package in (compiler.__file__, __file__):
        compileall.compile_dir(Path(package).parent, quiet=1, workers=0)


def main() -> None:
    options = _options()
    bytecode()
    started_load = table.load()
    example = _example(options.cold)
    with tempfile.TemporaryDirectory(prefix="bp-bench-") as scratch:
        measured = sizes(options, Path(scratch))
    lines = table.header(started_load)
    lines += table.example(example)
    lines += table.stages(measured) if measured else []
    lines += targets(example, measured)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
