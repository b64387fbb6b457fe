"""The pieces of the docs' pages: the Markdown header, no Flux escaping, the string table."""

from __future__ import annotations

from pathlib import Path

from compiler.core.generated import MARKDOWN_MARK, is_generated_text, markdown_header
from compiler.plan import OutputFile
from compiler.plan.docs.render import cell
from compiler.plan.docs.strings import STRINGS, missing
from compiler.render import render_file
from tests.docs.helpers import compiled, docs_of
from tests.litestream.example import copy_example, edit_yaml


def test_a_page_starts_with_the_header_as_an_html_comment() -> None:
    text = render_file(OutputFile("docs/backups.md", ("policies/cluster.yaml",), text="# B\n"))
    assert text.startswith(f"{MARKDOWN_MARK} from:\n  policies/cluster.yaml\n")
    assert text.endswith("-->\n# B\n")
    assert is_generated_text(text)
    assert not is_generated_text("# Our runbook\n" + text)


def test_no_source_name_ends_the_comment() -> None:
    header = markdown_header(("policies/a-->b.yaml", "policies/x\n# y.yaml"))
    assert header.count("-->") == 1 and header.rstrip().endswith("-->")
    assert len(header.splitlines()) == 4


def test_pages_are_not_flux_escaped() -> None:
    """Flux never reads them; their commands are for a shell."""
    page = OutputFile("docs/disaster-recovery.md", ("p.yaml",), text='echo "${HOME}"\n')
    assert render_file(page, flux=True).endswith('echo "${HOME}"\n')


def test_table_cells_stay_one_cell() -> None:
    assert cell("a|b\nc") == "a\\|b c"


def test_every_language_has_every_word() -> None:
    assert set(STRINGS) == {"en", "de"}
    assert missing() == {"en": set(), "de": set()}


def test_the_due_date_sentence_names_the_plans_grace_period(tmp_path: Path) -> None:
    """check reports a test from its due date plus the grace period: the page says which."""
    root = copy_example(tmp_path)
    edit_yaml(
        root / "policies/restore-tests.yaml", lambda data: data["spec"].update(gracePeriod="30d")
    )
    page = docs_of(compiled(root))["backups.md"]
    assert "`backup-policy check` reports one still not passed 30d after it (BP323)." in page
