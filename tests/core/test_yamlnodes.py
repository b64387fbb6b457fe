"""The implicit tags of scalars, remembered per distinct text (``cached_resolving``): the
memory must not mix how a scalar was written, nor one loader's schema with another's."""

from __future__ import annotations

import yaml

from compiler.core.yamlnodes import compose
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
