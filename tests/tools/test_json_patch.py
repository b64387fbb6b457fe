"""json_patched: reading a compiled tree's JSON6902 patches (compiler.tools.json_patch)."""

from __future__ import annotations

from typing import Any

import pytest

from compiler.tools.json_patch import json_patched

CLUSTER: dict[str, Any] = {
    "kind": "Cluster",
    "spec": {"plugins": [{"name": "other"}], "postgresql": {"parameters": {}}},
}


def test_the_operations_the_compiler_writes_are_applied_to_a_copy() -> None:
    operations = [
        {"op": "add", "path": "/spec/plugins/-", "value": {"name": "barman"}},
        {"op": "add", "path": "/spec/plugins/0", "value": {"name": "first"}},
        {"op": "add", "path": "/spec/postgresql/parameters/archive_timeout", "value": "5min"},
        {"op": "add", "path": "/metadata", "value": {"labels": {"a~b/c": "x"}}},
        {"op": "add", "path": "/metadata/labels/d~1e~0f", "value": "y"},
    ]
    patched = json_patched(CLUSTER, operations)
    assert patched == {
        "kind": "Cluster",
        "spec": {
            "plugins": [{"name": "first"}, {"name": "other"}, {"name": "barman"}],
            "postgresql": {"parameters": {"archive_timeout": "5min"}},
        },
        "metadata": {"labels": {"a~b/c": "x", "d/e~f": "y"}},
    }
    assert CLUSTER["spec"]["plugins"] == [{"name": "other"}]  # the tree's object unchanged
    assert CLUSTER["spec"]["postgresql"]["parameters"] == {}


@pytest.mark.parametrize(
    "operations",
    [
        {"op": "add", "path": "/spec", "value": 1},  # not a list of operations
        [{"op": "remove", "path": "/spec/plugins/0"}],  # never written by the compiler
        [{"op": "add", "path": "spec/plugins/-", "value": 1}],  # not a pointer
        [{"op": "add", "path": "/spec/missing/key", "value": 1}],  # no parent
        [{"op": "add", "path": "/spec/plugins/5", "value": 1}],  # past the end
        [{"op": "add", "path": "/spec/plugins/-1", "value": 1}],  # not an index
        [{"op": "add", "path": "/kind/x", "value": 1}],  # into a scalar
        ["add"],
    ],
)
def test_a_patch_that_does_not_apply_gives_none(operations: Any) -> None:
    assert json_patched(CLUSTER, operations) is None
