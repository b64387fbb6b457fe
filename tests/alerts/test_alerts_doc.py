"""docs/alerts.md: its tables are the alert definitions themselves, regenerated when stale."""

from __future__ import annotations

from compiler.plan.alerts_doc import markdown, section
from compiler.registry import DEFAULT
from tests.conftest import REPO

REGENERATE = (
    'python -c "from compiler.plan.alerts_doc import markdown; from compiler.toolset import '
    "TOOLS; print(markdown(TOOLS), end='')\" and paste it over the GENERATED part of "
    "docs/alerts.md"
)


def test_alerts_doc_is_fresh() -> None:
    page = (REPO / "docs" / "alerts.md").read_text()
    assert section(page) == markdown(DEFAULT.tools), REGENERATE


def test_every_alert_kind_and_metric_is_documented_with_its_source() -> None:
    generated = markdown(DEFAULT.tools)
    for tool in DEFAULT.tools:
        for kind in tool.alert_kinds:
            assert f"| `{kind.name}` |" in generated
            for metric in kind.metrics:
                assert f"| `{metric.name}` |" in generated and metric.source in generated
