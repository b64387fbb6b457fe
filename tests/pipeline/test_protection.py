"""Which alert rules watch an item (compiler.pipeline.protection): read from the example's
compile, with rules placed and labelled as a nested app would have them."""

from __future__ import annotations

from compiler.analyse import Coverage
from compiler.pipeline.protection import _alerts, _Rule, _tool_of
from tests.alerts.helpers import example_result

PAPERLESS = "kubernetes/apps/productivity/paperless"


def _paperless_data() -> Coverage:
    analysis = example_result().analysis
    assert analysis is not None
    return next(c for c in analysis.coverage if c.item.key == "pvc/paperless-data")


def test_a_rule_labelled_with_another_service_is_not_this_ones() -> None:
    """tika's app folder lies inside paperless's (its appPath): its rules, labelled with
    tika, are not paperless's, though their file is under paperless's folder."""
    nested = f"{PAPERLESS}/tika/backup/prometheusrule.yaml"
    own = f"{PAPERLESS}/backup/prometheusrule.yaml"
    paperless = ("productivity", "productivity/paperless")
    rules = [
        _Rule(nested, "K8upJobFailed", "warning", "productivity", "productivity/tika", "", "k8up"),
        _Rule("elsewhere.yaml", "K8upBackupStale", "critical", *paperless, "", "k8up"),
        _Rule(own, "LonghornBackupStale", "critical", *paperless, "pvc/paperless-media", "x"),
        _Rule(own, "LitestreamSyncErrors", "critical", *paperless, "", "litestream"),
    ]
    # its own K8up rule counts wherever it is written; the other PVC's and a tool that
    # copies nothing of the PVC do not
    assert _alerts(rules, _paperless_data()) == {"K8upBackupStale": "critical"}


def test_the_tool_of_a_rule_group() -> None:
    assert _tool_of("backup-policy.productivity.paperless.longhorn") == "longhorn"
    assert _tool_of("backup-policy.velero") == ""
    assert _tool_of("someone-else.a.b.c") == ""
