"""The implicit tags of scalars, remembered per distinct text (``cached_resolving``): the
memory must not mix how a scalar was written, nor one loader's schema with another's."""

from __future__ import annotations

import pytest
import yaml

from compiler.core.yamlnodes import Converter, Limits, YamlProblem, compose
from compiler.core.yamlread import compose_documents

TEXT = "a: '1'\nb: 1\nc: yes\nd: 'yes'\ne: 1\nf: '1'\ng: yes\n"
STR, INT, BOOL = (f"tag:yaml.org,2002:{name}" for name in ("str", "int", "bool"))


def _tags(node: yaml.Node) -> dict[str, str]:
    assert isinstance(node, yaml.MappingNode)
    return {key.value: value.tag for key, value in node.value}


def test_a_quoted_and_a_plain_scalar_of_one_text_keep_their_own_tags() -> None:
    for _ in range(2):  # the second read is answered from the memory
        (node,) = compose(TEXT, "1.1")
        assert _tags(node) == {
            "a": STR, "b": INT, "c": BOOL, "d": STR, "e": INT, "f": STR, "g": BOOL,
        }  # fmt: skip


def test_each_schema_remembers_its_own_tags() -> None:
    (old,) = compose(TEXT, "1.1")
    (core,) = compose(TEXT, "1.2")  # YAML 1.2: yes is a string
    (strict,) = compose_documents(TEXT)
    assert _tags(old)["c"] == _tags(strict)["c"] == BOOL
    assert _tags(core)["c"] == STR and _tags(core)["b"] == INT


def test_an_alias_to_a_scalar_reads_its_value_and_counts_as_one_more() -> None:
    """Scalars are converted without the alias memo: an alias to one still gives its value
    and counts towards --max-nodes once per use, as an alias to a mapping counts its size."""
    (node,) = compose("a: &x hello\nb: *x\nc: [*x, *x]\n", "1.2")
    converter = Converter(strict=True)
    assert converter.convert(node) == {"a": "hello", "b": "hello", "c": ["hello", "hello"]}
    counted = converter._count  # the mapping, 3 keys, 2 values, the list and its 2 items
    assert counted == 9
    (node,) = compose("a: &x hello\nb: *x\nc: [*x, *x]\n", "1.2")
    with pytest.raises(YamlProblem, match="more than 8 values"):
        Converter(strict=True, limits=Limits(max_nodes=8)).convert(node)
