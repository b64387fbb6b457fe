"""The one YAML writer: strings come back unchanged from every reader, quotes only where needed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from compiler.core.emit import EmitError, dump, dump_documents, flux_escaped, plain_ok, scalar
from tests.support.validation import kustomize_build


def _yaml12(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


def _yaml11(text: str) -> Any:
    """PyYAML follows YAML 1.1 like the Go parsers Kubernetes tools use (yes/no/on are bools)."""
    return yaml.safe_load(text)


Parse = Callable[[str], Any]
PARSERS = pytest.mark.parametrize("parse", [_yaml12, _yaml11], ids=["yaml1.2", "yaml1.1"])

TRICKY = [
    "a: b",
    "- x",
    '"quote"',
    "'single'",
    "#comment",
    "a #b",
    "${VAR}",
    "$${VAR}",
    "line1\nline2",
    "trailing\n",
    "yes",
    "no",
    "on",
    "off",
    "Yes",
    "NO",
    "y",
    "n",
    "true",
    "False",
    "null",
    "Null",
    "~",
    "",
    " ",
    " lead",
    "trail ",
    "1e3",
    "1_000",
    "0o17",
    "0x1F",
    "017",
    ".inf",
    "-.nan",
    "1:30",
    "2026-10-01",
    "&anchor",
    "*alias",
    "!tag",
    "%directive",
    "@at",
    "`tick`",
    "{a: 1}",
    "[x]",
    "? key",
    "| block",
    "> folded",
    "---",
    "...",
    "\ttab",
    "back\\slash",
    "\\n",
    "\u00e9",
    "日本",
    "emoji 😀",
    "nbsp\u00a0x",
    "zero\u200bwidth",
    "bell\x07",
]
# YAML 1.1 (Go yaml.v2, PyYAML) or 1.2 readers take these for something other than text.
MISREAD = [
    "y", "Y", "n", "N", "yes", "No", "on", "OFF", "true", "False", "null", "~", "=", "<<",
    "0.3", "1", "-1", "+1", "1e3", "1_000", "0o17", "0x1F", "017", ".5", ".inf", "-.nan",
    "1:30", "190:20:30", "2026-10-01", "2001-12-14t21:59:43.10-05:00",
]  # fmt: skip
CONTROLS = ["nel\x85x", "ls\u2028x", "ps\u2029x", "del\x7fx", "c1\x9bx", "bom\ufeffx"]


def _shapes(value: str) -> list[Any]:
    return [{"key": value}, [value], {"k": [value]}, {"k": [{"a": value, "b": 1}]}, [[value]]]


@PARSERS
@pytest.mark.parametrize("value", TRICKY + MISREAD + CONTROLS, ids=repr)
def test_every_string_reads_back_unchanged(value: str, parse: Parse) -> None:
    for shape in _shapes(value):
        assert parse(dump(shape)) == shape


@pytest.mark.parametrize("value", MISREAD, ids=repr)
def test_strings_a_reader_would_misread_are_quoted(value: str) -> None:
    assert not plain_ok(value)
    assert scalar(value).startswith('"')


@pytest.mark.parametrize(
    "value",
    ["k8up.io/v1", "backup-policy", "app.kubernetes.io/managed-by", "http://nas:9000", "v1",
     "sha256:abc", "/data/db.sqlite3", "Deployment", "a b", "yes-please", "nope"],
)  # fmt: skip
def test_plain_strings_stay_plain(value: str) -> None:
    assert plain_ok(value)
    assert dump({"k": value}) == f"k: {value}\n"


@pytest.mark.parametrize("value", ["9 1 * * *", "168h", "0.5.17", "2026-01-01", "${VAR}", "-x"])
def test_numbers_durations_crons_flux_variables_and_indicators_are_quoted(value: str) -> None:
    assert dump({"k": value}) == f'k: "{value}"\n'


@pytest.mark.parametrize(
    ("value", "text"), [(0, "0"), (42, "42"), (True, "true"), (False, "false")]
)
def test_numbers_and_booleans(value: object, text: str) -> None:
    assert dump({"k": value}) == f"k: {text}\n"


@pytest.mark.parametrize("value", [None, 1.5, object()])
def test_null_float_and_objects_are_refused(value: object) -> None:
    with pytest.raises(EmitError):
        dump({"k": value})


@pytest.mark.parametrize("key", ["a: b", "yes", "1", "${X}", "-k", "", "#c"])
def test_keys_that_would_need_quotes_are_refused(key: str) -> None:
    with pytest.raises(EmitError, match="never quoted"):
        dump({key: "v"})


def test_empty_collections_and_documents() -> None:
    assert dump({"emptyDir": {}, "list": []}) == "emptyDir: {}\nlist: []\n"
    with pytest.raises(EmitError):
        dump({})
    with pytest.raises(EmitError):
        dump("text")  # a str is a Sequence to the type checker, not to the emitter


def test_sequences_are_indented_and_documents_start_with_a_marker() -> None:
    text = dump_documents([{"a": {"b": [1, {"c": "x", "d": [2]}]}}, [{"op": "add"}]])
    assert text == ("---\na:\n  b:\n    - 1\n    - c: x\n      d:\n        - 2\n---\n- op: add\n")


BLOCKS = [
    "echo hi\n",
    "no trailing newline\nsecond",
    "key: value\nother: 1\n",
    "---\nkind: Secret\n...\n",
    "- item\n- other\n",
    "# comment\n#!/bin/sh\n",
    "a\n\nb\n",
    "x\n  indented later\n",
    "tab\there\n\tand a tab-indented line\n",
    "${VAR} and $${VAR}\n",
    "key: |\n  nested block\n",
    "\"quoted\": 'x'\n",
    "  starts indented\nx\n",
    "\nstarts with a blank line\n",
    "two newlines\n\n",
    "three\n\n\n",
    "\n",
]


@PARSERS
@pytest.mark.parametrize("text", BLOCKS, ids=repr)
def test_multi_line_text_is_a_literal_block_that_reads_back(text: str, parse: Parse) -> None:
    for shape in [*_shapes(text), {"data": {"script": text, "after": 1}, "last": 2}]:
        written = dump(shape)
        assert parse(written) == shape
    assert dump({"k": text}).startswith("k: |")


@PARSERS
# A leading tab too: Go's yaml.v3 reads it as indentation, even after an indicator.
@pytest.mark.parametrize(
    "text",
    [
        "a\r\nb\n",
        "trailing blank \nx\n",
        "x\ntrailing tab at the end\t",
        "bell\x07\nx\n",
        "vertical tab\x0b\nx\n",
        "\tlead\nx\n",
    ],
    ids=repr,
)
def test_text_a_block_would_change_is_double_quoted(text: str, parse: Parse) -> None:
    written = dump({"k": text})
    assert written.startswith('k: "')
    assert parse(written) == {"k": text}


def test_go_readers_read_every_string_back(tmp_path: Path, kubectl: str) -> None:
    """kubectl kustomize (Go's yaml) reads what the writer wrote as the same strings.

    CONTROLS are left out: kustomize writes NEL raw into its own output and refuses to read
    back DEL and C1 characters it wrote itself, so no Go tool chain carries them anyway."""
    quoted = ["a\r\nb\n", "trailing blank \nx\n", "\tlead\nx\n", "x\n\ty\n"]
    values = TRICKY + MISREAD + BLOCKS + quoted
    data = {f"k{index}": value for index, value in enumerate(values)}
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "t"}, "data": data}
    (tmp_path / "cm.yaml").write_text(dump_documents([config_map]))
    (tmp_path / "kustomization.yaml").write_text(dump({"resources": ["cm.yaml"]}))
    # BaseLoader: every scalar a string (kustomize writes `=` plain, which PyYAML would refuse)
    (built,) = yaml.load_all(kustomize_build(tmp_path, kubectl=kubectl), Loader=yaml.BaseLoader)
    assert built["data"] == data


_KEYS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", max_size=8).map("key".__add__)
_STRINGS = st.lists(st.sampled_from(["${", "$${", "$", "{", "}", "a", " ", "\n", "VAR", ":"]))
_LEAVES = st.one_of(_STRINGS.map("".join), st.integers(), st.booleans())
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_KEYS, _VALUES, min_size=1, max_size=5))
def test_escaping_while_writing_is_escaping_a_copy_first(document: dict[str, Any]) -> None:
    """``dump(flux=True)`` escapes each string as it writes it: the same text as writing
    the escaped copy :func:`flux_escaped` makes, and it reads back as that copy."""
    text = dump(document, flux=True)
    assert text == dump(flux_escaped(document))
    assert _yaml11(text) == flux_escaped(document)
