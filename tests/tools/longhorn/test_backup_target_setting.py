"""BP425: the Longhorn release sets its backup target where its chart reads it."""

from __future__ import annotations

import pytest

from compiler.tools.longhorn.tree_rules import _reads_default_settings


@pytest.mark.parametrize(
    ("version", "reads"),
    [
        ("1.7.2", True),  # chart/templates/default-setting.yaml renders backup-target
        ("v1.7.2", True),
        ("1.8.0", False),  # default-resource.yaml, from defaultBackupStore.backupTarget
        ("1.12.1", False),
        ("1.x", False),  # unknown: taken for a current chart
        ("", False),
    ],
)
def test_charts_before_1_8_read_the_backup_target_from_default_settings(
    version: str, reads: bool
) -> None:
    assert _reads_default_settings(version) is reads
