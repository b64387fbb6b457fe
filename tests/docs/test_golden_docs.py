"""Golden docs (syrupy): the example homelab's generated pages, in English and in German."""

from __future__ import annotations

from pathlib import Path

from syrupy.assertion import SnapshotAssertion

from tests.docs.helpers import PAGES, anchors, compiled, docs_of, example, with_docs


def test_the_example_docs_in_english(snapshot: SnapshotAssertion) -> None:
    docs = docs_of(example())
    assert sorted(docs) == sorted(PAGES)
    assert docs == snapshot


def test_the_example_docs_in_german(tmp_path: Path, snapshot: SnapshotAssertion) -> None:
    docs = docs_of(compiled(with_docs(tmp_path, folder="docs", language="de")))
    assert sorted(docs) == sorted(PAGES)
    assert "## Abdeckung je Schicht" in docs["backups.md"]
    assert "## Wiederherstellungsreihenfolge" in docs["disaster-recovery.md"]
    assert docs == snapshot


def test_one_template_set_words_both_languages(tmp_path: Path) -> None:
    """The same anchors, tables and commands in both: only the words differ."""
    english = docs_of(example())
    german = docs_of(compiled(with_docs(tmp_path, folder="docs", language="de")))
    for page in PAGES:
        assert english[page].count("\n|") == german[page].count("\n|"), page
        assert english[page].count("```") == german[page].count("```"), page
        assert anchors(english[page]) == anchors(german[page]), page
        assert english[page] != german[page]
