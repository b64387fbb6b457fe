"""The benchmark's Markdown: the machine, the figures per size and stage, the targets."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.figures import Figures
from benchmarks.kustomize import Kustomize
from benchmarks.measure import Run, Spread

NO_CACHE_LABEL = "no cache: templates compiled, files parsed (a machine's first run, a fresh CI)"
MB = 1024**2 / 10**6  # MiB -> MB: the targets are in MB
# (row label, stage): the pipeline's stages, with the load stage split in two here.
STAGES = (
    ("start-up (interpreter, imports)", "start-up"),
    ("settle (what a killed compile left)", "settle"),
    ("load (YAML parsing, validation by the models)", "load"),
    ("of which YAML parsing, measured alone", "parse"),
    ("inventory (the output tree read)", "tree"),
    ("analyse", "analyse"),
    ("policy rules", "policy rules"),
    ("plan", "plan"),
    ("tree rules", "tree rules"),
    ("render", "render"),
    ("verify (schema check of the output)", "verify"),
    ("compare (with the tree)", "compare"),
    ("parse cache saved for the next run", "parse cache"),
    ("write (staged, fsynced, renamed)", "write"),
)


@dataclass
class Size:
    """The figures of one size: medians over fresh processes, and kustomize's."""

    services: int
    runs: list[Figures] = field(default_factory=list)
    kustomize: Kustomize | None = None
    checks: list[Run] = field(default_factory=list)
    """``backup-policy check`` of each compiled copy: a whole process with nothing to write,
    what pre-commit and CI run on every commit once the tree is compiled. The first one
    parses the files the compile wrote; ``rechecks`` are the next ones, which find every
    file in the parse cache."""
    rechecks: list[Run] = field(default_factory=list)

    def seconds(self, stage: str, cpu: bool = False) -> float:
        return statistics.median(run.seconds(stage, cpu) for run in self.runs)

    def compile(self, cpu: bool = False) -> float:
        return statistics.median(run.compile(cpu) for run in self.runs)

    def rss(self, stage: str) -> float:
        """Peak RSS (MB) at the end of ``stage``: ``ru_maxrss`` only grows."""
        return statistics.median(run.rss[stage] for run in self.runs) * MB

    @property
    def peak(self) -> float:
        return self.rss("write")


def machine() -> str:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {memory / 2**30:.0f} GiB RAM, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def header(started_load: str) -> list[str]:
    return [
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- machine: {machine()}",
        f"- load average (1, 5, 15 min): {started_load} at the start, {load()} at the end",
        "",
    ]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def _pair(wall: float, cpu: float) -> str:
    return f"{wall * 1000:,.0f} / {cpu * 1000:,.0f}"


@dataclass(frozen=True)
class Example:
    """The example homelab's whole-process figures."""

    validate: Spread
    """Replayed: the inputs did not change since the last run (compiler.core.replay)."""
    validate_run: Spread
    """Run: replay off (the inputs changed, or BACKUP_POLICY_NO_REPLAY=1)."""
    check: Spread
    check_run: Spread
    uncached: Spread
    interpreter: Spread
    imports: Spread


REPLAYED = "replayed (inputs unchanged since the last run)"
RUN = "run (inputs changed, or `BACKUP_POLICY_NO_REPLAY=1`)"


def example(figures: Example) -> list[str]:
    rows = [
        "| example homelab, whole process | median | min | max | CPU | peak RSS |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for name, spread in (
        (f"`backup-policy validate`, {REPLAYED}", figures.validate),
        (f"`backup-policy validate`, {RUN}", figures.validate_run),
        (f"`backup-policy check`, {REPLAYED}", figures.check),
        (f"`backup-policy check`, {RUN}", figures.check_run),
        (f"`backup-policy check`, {NO_CACHE_LABEL}", figures.uncached),
        ("`python -c pass` (the interpreter alone, every run pays it)", figures.interpreter),
        ("`import compiler.cli.main` (in-process)", figures.imports),
    ):
        rows.append(
            f"| {name} | {ms(spread.median)} | {ms(spread.low)} | {ms(spread.high)} | "
            f"{ms(spread.cpu)} | {spread.rss * MB:.0f} MB |"
        )
    return [*rows, ""]


Cell = Callable[[Size], str]


def _row(label: str, sizes: list[Size], cell: Cell) -> str:
    return f"| {label} | " + " | ".join(cell(s) for s in sizes) + " |"


def _stage(stage: str) -> Cell:
    return lambda s: _pair(s.seconds(stage), s.seconds(stage, True))


def _rss(stage: str) -> Cell:
    return lambda s: f"{s.rss(stage):.0f}"


def _traced(stage: str) -> Cell:
    return lambda s: f"{statistics.median(r.traced[stage] for r in s.runs) * MB:.0f}"


def _kustomize(cell: Callable[[Size, Kustomize], str]) -> Cell:
    return lambda s: cell(s, s.kustomize) if s.kustomize is not None else "-"


def _whole(s: Size, k: Kustomize) -> str:
    return _pair(k.whole.median, k.whole.cpu) if k.whole else "not run"


def _whole_ratio(s: Size, k: Kustomize) -> str:
    return f"{s.compile() / k.whole.median:.2f}" if k.whole else "-"


def _per_path(s: Size, k: Kustomize) -> str:
    return _pair(k.per_path_wall, k.per_path_cpu)


def _net_ratio(s: Size, k: Kustomize) -> str:
    net = k.per_path_wall - k.paths * k.startup
    return f"{s.compile() / net:.2f}" if net > 0 else "-"


def _time_rows(sizes: list[Size]) -> list[str]:
    rows = [_row("*ms, wall / CPU*", sizes, lambda s: "")]
    rows += [_row(label, sizes, _stage(stage)) for label, stage in STAGES]
    rows += [
        _row("**compile**", sizes, lambda s: f"**{_pair(s.compile(), s.compile(True))}**"),
        _row("files written", sizes, lambda s: f"{s.runs[0].written:,}"),
        _row("`check` of the compiled tree (whole process)", sizes, lambda s: _check(s.checks)),
        _row("`check` again (every file in the parse cache)", sizes, lambda s: _check(s.rechecks)),
    ]
    return rows


def _check(runs: list[Run]) -> str:
    if not runs:
        return "-"
    wall = statistics.median(run.wall for run in runs)
    return _pair(wall, statistics.median(run.cpu for run in runs))


def _kustomize_rows(sizes: list[Size]) -> list[str]:
    return [
        _row("`kubectl kustomize`: whole tree, one build", sizes, _kustomize(_whole)),
        _row("compile / whole-tree build (wall)", sizes, _kustomize(_whole_ratio)),
        _row("`kubectl kustomize`: each Flux path, summed", sizes, _kustomize(_per_path)),
        _row(
            "of which kubectl start-up (paths x empty build)",
            sizes,
            _kustomize(lambda s, k: ms(k.paths * k.startup)),
        ),
        _row("compile / per-path builds less start-up (wall)", sizes, _kustomize(_net_ratio)),
        _row(
            "Flux paths (built one by one)",
            sizes,
            _kustomize(lambda s, k: f"{k.paths:,} ({k.sampled:,})"),
        ),
    ]


def _memory_rows(sizes: list[Size]) -> list[str]:
    rows = [_row(label, sizes, _rss(stage)) for label, stage in STAGES if stage != "parse"]
    largest = _kustomize(lambda s, k: f"{k.rss * MB:.0f}")
    return [*rows, _row("`kubectl kustomize` (largest build)", sizes, largest)]


def stages(sizes: list[Size]) -> list[str]:
    """Per stage and size: wall and CPU time, kustomize beside them, then peak RSS."""
    names = " | ".join(f"{s.services:,}" for s in sizes)
    rule = "|---|" + "--:|" * len(sizes)
    rows = [f"| services: | {names} |", rule, *_time_rows(sizes), *_kustomize_rows(sizes)]
    rows += ["", f"| peak RSS (MB) at the end of; services: | {names} |", rule]
    rows += _memory_rows(sizes)
    if all(s.runs[0].traced for s in sizes):
        rows += ["", f"| peak of Python allocations (MB) in; services: | {names} |", rule]
        rows += [_row(label, sizes, _traced(stage)) for label, stage in STAGES[2:]]
    return [*rows, ""]
