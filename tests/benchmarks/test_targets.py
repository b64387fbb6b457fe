"""The linearity target compares the compiles of one round, not medians taken apart."""

from __future__ import annotations

from benchmarks.figures import Figures
from benchmarks.table import Size
from benchmarks.targets import _linear


def _run(seconds: float) -> Figures:
    return Figures({"load": seconds, "parse": 9.0}, {"load": seconds}, {}, {}, 1)


def test_the_ratio_is_the_median_of_each_rounds_ratio() -> None:
    # the machine slowed down in the second round: both sizes were slow in it
    thousand = Size(1000, runs=[_run(1.0), _run(2.0), _run(1.0)])
    five = Size(5000, runs=[_run(5.0), _run(10.4), _run(5.2)])
    target = _linear(thousand, five)
    assert target.figure == "5.20 x (CPU 5.20 x)"  # medians apart: 5.2 / 1.0 = 5.2 too
    assert target.wall_ok and target.cpu_ok
    drifted = Size(5000, runs=[_run(5.0), _run(5.2), _run(10.4)])  # slow in another round
    # medians taken apart would say 5.2 / 1.0; the rounds say 5.0, 2.6, 10.4 -> 5.0
    assert _linear(thousand, drifted).figure == "5.00 x (CPU 5.00 x)"
