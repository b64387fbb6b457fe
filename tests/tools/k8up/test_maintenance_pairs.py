"""BP342 looks only at pairs of K8up maintenance jobs of which one is pinned: the same
pairs, in the same order, as the combinations it used to filter (so the same reports)."""

from __future__ import annotations

from itertools import combinations

from hypothesis import given
from hypothesis import strategies as st

from compiler.tools.k8up.rules import pinned_pairs


@given(st.lists(st.booleans(), max_size=40))
def test_the_pairs_are_the_filtered_combinations_in_order(pinned: list[bool]) -> None:
    expected = [(i, j) for i, j in combinations(range(len(pinned)), 2) if pinned[i] or pinned[j]]
    assert list(pinned_pairs(pinned)) == expected


def test_no_pinned_job_means_no_pair_to_look_at() -> None:
    assert list(pinned_pairs([False] * 1_000)) == []
