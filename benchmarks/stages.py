"""One compile, stage by stage, in a fresh process; prints its figures as one JSON line.

    python -m benchmarks.stages POLICIES --spawned EPOCH [--tracemalloc]

Runs what ``backup-policy compile`` runs (:func:`compiler.write.recover`, which settles what a
killed compile left, then :func:`compiler.pipeline.build.build` and
:func:`compiler.write.apply`, the garbage collector set up as the CLI sets it) with a
:class:`Timings` that also notes the process's peak RSS
(``ru_maxrss``, which only grows) at the end of each stage, and with ``--tracemalloc`` the
peak of Python allocations within each stage (slower: timings of such a run are not quoted).
Before the compile, every policy file is parsed on its own (:func:`load_file`): the part
of the load stage that is YAML parsing rather than models.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import tracemalloc
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

from msgspec import field

from benchmarks.figures import Figures
from compiler import write
from compiler.cli.runner import batch_gc, workers
from compiler.config import RunConfig
from compiler.core.diagnostics import Diagnostic
from compiler.load import iter_policy_files, load_file
from compiler.pipeline import Timings
from compiler.pipeline.build import build

MIB = 1024  # ru_maxrss is in KiB on Linux


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MIB


def cpu_seconds() -> float:
    """CPU time of this process and of the workers it forked and waited for (render and
    verify of a large tree: compiler.core.parallel)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


class Measured(Timings):
    """Stage times plus the peak RSS so far and the stage's peak of traced allocations."""

    cpu: dict[str, float] = field(default_factory=dict)
    rss: dict[str, float] = field(default_factory=dict)
    traced: dict[str, float] = field(default_factory=dict)
    cpu_started: float = field(default_factory=cpu_seconds)

    def add(self, stage: str, started: float) -> float:
        super().add(stage, started)
        self.cpu[stage] = self.cpu.get(stage, 0.0) + cpu_seconds() - self.cpu_started
        self.rss[stage] = peak_rss_mib()
        if tracemalloc.is_tracing():
            self.traced[stage] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.reset_peak()
        self.cpu_started = cpu_seconds()
        return time.perf_counter()  # what was measured here is no stage's time


def _stop_on(diagnostics: Iterable[Diagnostic]) -> None:
    """Exit with the first errors: a benchmark of a compile that fails measures nothing."""
    errors = [d.render() for d in diagnostics if d.level == "error"]
    if errors:
        raise SystemExit("the generated homelab does not compile:\n" + "\n".join(errors[:5]))


def compile_once(policies: Path, spawned: float) -> Figures:
    """Build and write, stage by stage; raises when the generated homelab has errors."""
    timings = Measured()
    timings.stages["start-up"] = time.time() - spawned
    timings.cpu["start-up"] = timings.cpu_started
    timings.rss["start-up"] = peak_rss_mib()
    started = time.perf_counter()
    for path in iter_policy_files(policies):  # parsing alone: part of the load stage
        load_file(path, path.name)
    started = timings.add("parse", started)
    config = RunConfig(policies=policies, workers=workers())  # as the CLI makes it
    _stop_on(write.recover(config.repository, config.project_root).problems)
    timings.add("settle", started)
    result = build(config, timings=timings)
    _stop_on(result.diagnostics.items)
    if result.changes is None:
        raise SystemExit("the generated homelab does not compile: no changes")
    started = time.perf_counter()
    written = write.apply(result.changes, home=config.repository, shown_root=result.shown_root)
    timings.add("write", started)
    _stop_on(written.problems)
    files = len(result.changes.writes)
    return Figures(timings.stages, timings.cpu, timings.rss, timings.traced, files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("policies", type=Path)
    parser.add_argument("--spawned", type=float, required=True, help="time.time() at the spawn")
    parser.add_argument("--tracemalloc", action="store_true")
    options = parser.parse_args()
    batch_gc()  # as the CLI does
    if options.tracemalloc:
        tracemalloc.start()
    json.dump(asdict(compile_once(options.policies, options.spawned)), sys.stdout)
    print()


if __name__ == "__main__":
    main()
