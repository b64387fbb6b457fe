"""The strict loader: duplicate keys are errors, YAML merge keys are not duplicates."""

from __future__ import annotations

import pytest

from compiler.core.yamlread import YAMLDocumentError, load_documents


def test_merged_keys_may_be_overridden_by_the_mappings_own() -> None:
    text = "base: &b {image: x, args: [a]}\nrestore:\n  <<: *b\n  args: [restore]\n"
    assert load_documents(text) == [
        {"base": {"image": "x", "args": ["a"]}, "restore": {"image": "x", "args": ["restore"]}}
    ]


def test_the_explicit_merge_tag_works_too() -> None:
    (document,) = load_documents("a: &a {k: 1}\nb:\n  !!merge <<: *a\n  j: 2\n")
    assert document["b"] == {"k": 1, "j": 2}


@pytest.mark.parametrize("text", ["b: {k: 1, k: 2}\n", "a: &a {k: 1}\nb: {<<: *a, j: 1, j: 2}\n"])
def test_a_repeated_own_key_is_still_a_duplicate(text: str) -> None:
    with pytest.raises(YAMLDocumentError, match="duplicate key"):
        load_documents(text)


def test_timestamps_stay_strings() -> None:
    assert load_documents("date: 2026-10-01\n") == [{"date": "2026-10-01"}]
