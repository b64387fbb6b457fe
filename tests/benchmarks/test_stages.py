"""The benchmark's instrumented compile runs and measures every stage (it must not rot:
it is how the speed figures in benchmarks/README.md are made)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from benchmarks.generate import generate
from benchmarks.stages import compile_once, cpu_seconds
from compiler.commands.build import run_check
from compiler.config import RunConfig

STAGES = (
    *("start-up", "parse", "settle", "load", "tree", "analyse", "policy rules", "plan"),
    *("tree rules", "render", "compare", "verify", "parse cache", "write"),
)


def test_an_instrumented_compile_measures_each_stage_and_leaves_a_fresh_tree(
    tmp_path: Path,
) -> None:
    policies = generate(tmp_path, 3)
    figures = compile_once(policies, time.time())
    assert tuple(figures.stages) == STAGES
    for stage in STAGES:
        assert figures.seconds(stage) >= 0 and figures.rss[stage] > 0, stage
    assert figures.written > 10
    assert figures.compile() >= figures.seconds("write")
    assert run_check(RunConfig(policies=policies)).exit_code == 0


def test_cpu_time_counts_the_workers_a_stage_forked_and_reaped() -> None:
    """Render and verify fork workers (compiler.core.parallel): a stage's CPU time must
    include theirs, or the by-CPU targets would flatter a compile."""
    before, own = cpu_seconds(), time.process_time()
    pid = os.fork()
    if pid == 0:  # the worker: half a second of CPU, then gone without clean-up
        ends = time.process_time() + 0.5
        while time.process_time() < ends:
            pass
        os._exit(0)
    os.waitpid(pid, 0)
    assert time.process_time() - own < 0.1  # this process only waited
    assert cpu_seconds() - before >= 0.45
