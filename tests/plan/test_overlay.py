"""The tree as a compile leaves it: planned files in place, stale generated ones gone."""

from __future__ import annotations

from pathlib import Path

from compiler.core.generated import header
from compiler.plan import OutputFile, Plan
from compiler.plan.overlay import after_compile
from tests.tree.helpers import tree_of

CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"


def test_a_planned_file_replaces_what_the_tree_parsed_at_its_path(tmp_path: Path) -> None:
    """A path the plan writes holds the planned file after the compile: the documents the
    tree stage parsed there (a hand-written file in the way, BP401) are not its documents;
    the other hand-written files keep theirs, and a stale generated file is gone."""
    stale = header(("policies/services/old.yaml",)) + CONFIG_MAP
    inventory = tree_of(
        tmp_path,
        {
            "apps/web/backup/config.yaml": CONFIG_MAP,
            "apps/web/deploy.yaml": CONFIG_MAP,
            "apps/old/backup/config.yaml": stale,
        },
    )
    planned = OutputFile("apps/web/backup/config.yaml", ("policies/services/web.yaml",))
    after = after_compile(inventory, Plan((planned,)))

    assert inventory.documents("apps/web/backup/config.yaml") != []
    assert after.files["apps/web/backup/config.yaml"].generated
    assert after.documents("apps/web/backup/config.yaml") == []
    assert after.documents("apps/web/deploy.yaml") is inventory.documents("apps/web/deploy.yaml")
    assert "apps/old/backup/config.yaml" not in after.files
