"""Build an :class:`Analysis` from policy texts written to a temporary policy folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.analyse import Analysis, analyse
from compiler.policies import load_policies
from compiler.registry import DEFAULT
from tests.analyse.helpers import CLUSTER, Analyse


@pytest.fixture
def analysed(tmp_path: Path) -> Analyse:
    """``analysed(*services, cluster=CLUSTER)`` -> the Analysis of that policy folder."""

    runs = iter(range(1000))

    def run(*services: str, cluster: str = CLUSTER) -> Analysis:
        base = tmp_path / f"run-{next(runs)}"
        folder = base / "policies"
        (folder / "services").mkdir(parents=True, exist_ok=True)
        (folder / "cluster.yaml").write_text(cluster)
        for index, text in enumerate(services):
            (folder / "services" / f"s{index:03}.yaml").write_text(text)
        policies, problems = load_policies(folder, base, DEFAULT.kinds.by_kind)
        assert [p.render() for p in problems] == []
        assert policies is not None
        return analyse(policies, DEFAULT.tools)

    return run
