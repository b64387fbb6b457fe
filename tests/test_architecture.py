"""The shape of the code: import contracts, the tool interface, the rule registry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from compiler.commands.rules import markdown
from compiler.config import RunConfig
from compiler.pipeline.build import build
from compiler.registry import CORE_RULES, DEFAULT, RULES, make_toolset
from compiler.tools.base import ToolBase
from tests.conftest import REPO

CASES = REPO / "tests" / "cases"


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )


def test_import_contracts_are_kept() -> None:
    """Layers in data order, tools independent, click only in the CLI (pyproject.toml)."""
    done = _python("from importlinter.cli import lint_imports; raise SystemExit(lint_imports())")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_validate_never_imports_the_tree_render_or_write_stages() -> None:
    """The pre-commit fast path loads, models and analyses; it does not read the tree,
    render or write (the verify stage's rule IDs are declared, its check never runs)."""
    code = (
        "import sys\n"
        "from compiler.cli.main import cli\n"
        "try:\n"
        "    cli(['validate', '-p', 'policies'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    done = _python(code)
    loaded = set(done.stdout.split())
    assert "compiler.pipeline.validate" in loaded
    unwanted = {"compiler.render", "compiler.write", "compiler.tree.read"}
    assert loaded & (unwanted | {"compiler.pipeline.build", "jinja2"}) == set()


class Nothing(ToolBase):
    """A tool that contributes nothing at all."""

    name = "nothing"
    title = "Nothing"


def test_a_tool_with_nothing_to_contribute_changes_nothing(tmp_path: Path) -> None:
    config = RunConfig(policies=REPO / "policies", output=REPO / "out")
    plain = build(config)
    extended = build(config, make_toolset((*DEFAULT.tools, Nothing())))
    assert plain.outputs and extended.outputs == plain.outputs
    assert extended.diagnostics.sorted() == plain.diagnostics.sorted()
    assert extended.changes is not None and not extended.changes.drift


def test_every_rule_is_declared_once_with_its_documentation() -> None:
    ids = [rule.id for rule in RULES]
    assert ids == sorted(set(ids))
    for rule in RULES:
        assert rule.summary and rule.name and rule.level in {"error", "warning"}, rule.id
        if rule.stage in {"policy", "tree"}:
            assert rule.passing and rule.failing, f"{rule.id} needs a passing and failing example"
    assert {rule.id for rule in CORE_RULES} < set(ids)  # the tools add theirs


def test_every_reported_rule_has_an_acceptance_case_or_a_test() -> None:
    """An ID nothing exercises is an untested rule (output IDs are compiler bugs)."""
    expected = " ".join(p.read_text() for p in CASES.rglob("expected"))
    tests = " ".join(p.read_text() for p in (REPO / "tests").rglob("test_*.py"))
    missing = [
        rule.id
        for rule in RULES
        if rule.stage != "output" and rule.id not in expected and rule.id not in tests
    ]
    assert missing == []


def test_rules_doc_is_fresh() -> None:
    """docs/rules.md is `backup-policy rules --format markdown`; regenerate it when stale."""
    committed = (REPO / "docs" / "rules.md").read_text()
    assert committed == markdown(RULES), "backup-policy rules --format markdown > docs/rules.md"
