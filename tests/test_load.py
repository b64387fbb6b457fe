"""Stage 1, load: YAML text into plain data with 1-based positions of keys, values and items."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.load import Document, iter_policy_files, load_file, load_text

TEXT = """\
apiVersion: v1
spec:
  owner: ops
  volumes:
    - name: data
      claim: web-data
    - {name: cache, emptyDir: true}
  tags: [a, b]
"""


def _load(text: str) -> Document:
    doc, problems = load_text(text, "policy.yaml")
    assert problems == []
    assert doc is not None
    return doc


def test_data_is_plain_python() -> None:
    doc = _load(TEXT)
    assert doc.data == {
        "apiVersion": "v1",
        "spec": {
            "owner": "ops",
            "volumes": [{"name": "data", "claim": "web-data"}, {"name": "cache", "emptyDir": True}],
            "tags": ["a", "b"],
        },
    }
    assert type(doc.data) is dict and type(doc.data["spec"]["tags"]) is list


def test_key_positions_are_one_based() -> None:
    doc = _load(TEXT)
    assert doc.key_positions[("apiVersion",)] == (1, 1)
    assert doc.key_positions[("spec",)] == (2, 1)
    assert doc.key_positions[("spec", "owner")] == (3, 3)
    assert doc.key_positions[("spec", "volumes", 0, "claim")] == (6, 7)
    assert doc.key_positions[("spec", "volumes", 1, "emptyDir")] == (7, 21)


def test_value_positions_are_one_based() -> None:
    doc = _load(TEXT)
    assert doc.value_positions[("apiVersion",)] == (1, 13)
    assert doc.value_positions[("spec", "owner")] == (3, 10)
    assert doc.value_positions[("spec", "volumes", 0, "name")] == (5, 13)
    assert doc.value_positions[("spec", "volumes", 1, "name")] == (7, 14)


def test_list_item_positions_are_one_based() -> None:
    doc = _load(TEXT)
    # a block item's position is where its content starts, after "- "
    assert doc.value_positions[("spec", "volumes", 0)] == (5, 7)
    assert doc.value_positions[("spec", "volumes", 1)] == (7, 7)
    assert doc.value_positions[("spec", "tags", 0)] == (8, 10)
    assert doc.value_positions[("spec", "tags", 1)] == (8, 13)


def test_root_position() -> None:
    doc = _load("\n\n  a: 1\n")
    assert doc.value_positions[()] == (3, 3)


def test_locate_falls_back_to_the_nearest_ancestor() -> None:
    doc = _load(TEXT)
    assert doc.locate(("spec", "owner", "missing")) == (3, 10)
    assert doc.locate(("spec", "nothing")) == (3, 3)  # spec's value: the block mapping
    assert doc.locate(("nothing",)) == (1, 1)


def test_locate_key_of_a_list_item_is_the_item() -> None:
    """A list item has no key: a key-located problem in it (e.g. a missing key) is reported at
    the item, not at the key of the list that holds it."""
    doc = _load(TEXT)
    assert doc.locate(("spec", "volumes", 1), key=True) == (7, 7)


def test_scalars_keep_their_types() -> None:
    doc = _load("a: 1\nb: 1.5\nc: true\nd: null\ne: '1'\nf: 2026-10-01\ng: yes\n")
    assert doc.data == {
        "a": 1,
        "b": 1.5,
        "c": True,
        "d": None,
        "e": "1",
        "f": "2026-10-01",
        "g": "yes",
    }  # YAML 1.2: yes is a string
    assert type(doc.data["a"]) is int and type(doc.data["b"]) is float


def test_syntax_error_is_positioned() -> None:
    doc, problems = load_text("a: 1\nspec:\n  x: 1\n   y: 2\n", "p.yaml")
    assert doc is None
    [problem] = problems
    assert (problem.file, problem.line, problem.col, problem.rule) == ("p.yaml", 4, 5, "BP100")
    assert problem.message.startswith("YAML syntax error: ")


def test_tab_indentation_is_a_syntax_error() -> None:
    _, [problem] = load_text("a: 1\nspec:\n\tx: 1\n", "p.yaml")
    assert (problem.line, problem.col, problem.rule) == (3, 1, "BP100")


def test_duplicate_key_points_at_the_second_key() -> None:
    _, [problem] = load_text("a: 1\nspec:\n  x: 1\n  y: 2\n  x: 3\n", "p.yaml")
    assert (problem.line, problem.col, problem.rule) == (5, 3, "BP101")
    assert problem.message == "duplicate key 'x'"  # the key, never its values


def test_duplicate_key_hint_names_the_first_occurrence() -> None:
    """The hint must name the line of the first ``x`` (3), not where the mapping starts."""
    _, [problem] = load_text("a: 1\nspec:\n  w: 0\n  x: 1\n  x: 3\n", "p.yaml")
    assert "line 4" in problem.hint


@pytest.mark.parametrize("text", ["", "\n", "# only a comment\n", "---\n", "--- \n...\n"])
def test_empty_file(text: str) -> None:
    doc, [problem] = load_text(text, "p.yaml")
    assert doc is None
    assert (problem.line, problem.col, problem.rule) == (1, 1, "BP102")
    assert "empty" in problem.message


def test_several_documents_are_refused() -> None:
    doc, [problem] = load_text("a: 1\n---\nb: 2\n---\nc: 3\n", "p.yaml")
    assert doc is None
    assert problem.rule == "BP102"
    assert "3 documents" in problem.message


def test_several_documents_point_at_the_first_extra_one() -> None:
    _, [problem] = load_text("a: 1\nb: 2\n---\nc: 3\n", "p.yaml")
    assert (problem.line, problem.col) == (4, 1)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a: 1\nb: [x, y\n", (2, 4)),  # unclosed flow sequence: at its "["
        ("a: 1\nb: {x: 1\n", (2, 4)),  # unclosed flow mapping: at its "{"
        ('a: 1\nb: "text\n', (2, 4)),  # unclosed quote: at the opening quote
    ],
    ids=["flow-sequence", "flow-mapping", "quote"],
)
def test_unclosed_construct_at_end_of_file_points_at_its_start(
    text: str, where: tuple[int, int]
) -> None:
    """ruamel reports these at the end of the stream (a line after the last one); its
    context mark says where the construct started, which is what the user must fix."""
    _, [problem] = load_text(text, "p.yaml")
    assert problem.rule == "BP100"
    assert (problem.line, problem.col) == where


def test_an_explicit_single_document_is_fine() -> None:
    assert _load("---\na: 1\n...\n").data == {"a": 1}


def test_invalid_date_is_a_diagnostic_not_a_crash() -> None:
    """ruamel builds datetime.date for unquoted timestamps and raises a bare ValueError
    for 2026-13-01; bad input must give a positioned diagnostic, never an exception."""
    doc, problems = load_text("date: 2026-13-01\n", "p.yaml")
    if doc is not None:  # acceptable too: the text survives for the model to refuse
        assert doc.data == {"date": "2026-13-01"}
        assert doc.value_positions[("date",)] == (1, 7)
    else:
        assert [(p.line, p.col) for p in problems] == [(1, 7)]


def test_load_file_reads_utf8(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("owner: Zoë\n", encoding="utf-8")
    doc, problems = load_file(path, "shown/p.yaml")
    assert problems == [] and doc is not None
    assert doc.file == "shown/p.yaml" and doc.data == {"owner": "Zoë"}


def test_unreadable_file_is_a_diagnostic(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"owner: caf\xe9\n")
    doc, [problem] = load_file(path, "latin1.yaml")
    assert doc is None
    assert (problem.file, problem.line, problem.col, problem.rule) == (
        "latin1.yaml",
        1,
        11,
        "BP103",
    )


def test_missing_file_is_a_diagnostic(tmp_path: Path) -> None:
    doc, [problem] = load_file(tmp_path / "gone.yaml", "gone.yaml")
    assert doc is None and problem.rule == "BP103"


def test_policy_files_are_found_in_a_stable_order(tmp_path: Path) -> None:
    for rel in (
        "services/b.yaml",
        "services/a.yml",
        "cluster.yaml",
        "notes.txt",
        "services/sub/c.yaml",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("a: 1\n")
    (tmp_path / "dir.yaml").mkdir()
    found = [p.relative_to(tmp_path).as_posix() for p in iter_policy_files(tmp_path)]
    assert found == ["cluster.yaml", "services/a.yml", "services/b.yaml", "services/sub/c.yaml"]


def test_values_are_read_with_the_yaml_1_2_core_schema() -> None:
    doc, _ = load_text(
        "a: yes\nb: on\nc: true\nd: 0.3\ne: 017\nf: 0x1F\ng: ~\nh: 2026-10-01\n", "p"
    )
    assert doc is not None
    assert doc.data == {
        "a": "yes", "b": "on", "c": True, "d": 0.3, "e": 17, "f": 31, "g": None,
        "h": "2026-10-01",
    }  # fmt: skip


def test_merge_keys_are_supported_with_positions() -> None:
    text = "base: &b {owner: ops, storage: longhorn}\nspec:\n  <<: *b\n  storage: external\n"
    doc, problems = load_text(text, "p.yaml")
    assert problems == [] and doc is not None
    assert doc.data["spec"] == {"owner": "ops", "storage": "external"}
    assert doc.locate(("spec", "storage")) == (4, 12)


def test_unknown_tags_are_refused_where_they_stand() -> None:
    for text in ("a: 1\nb: !!python/object:os.system x\n", "a: 1\nb: !secret db\n"):
        _, [problem] = load_text(text, "p.yaml")
        assert (problem.rule, problem.line, problem.col) == ("BP105", 2, 4)


def test_an_alias_bomb_stops_at_the_alias_that_trips_the_limit() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    _, [problem] = load_text(bomb, "p.yaml")
    assert problem.rule == "BP104" and "100000 values" in problem.message
    assert 1 < problem.line <= 9


def test_deep_nesting_is_refused_at_its_position() -> None:
    _, [problem] = load_text("a: " + "[" * 10_000 + "]" * 10_000 + "\n", "p.yaml")
    assert (problem.rule, problem.line) == ("BP104", 1) and "deeper than 64" in problem.message


def test_a_file_over_the_size_limit_is_not_parsed(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("a: " + "x" * (10 * 1024 * 1024) + "\n")
    doc, [problem] = load_file(path, "big.yaml")
    assert doc is None and (problem.rule, problem.line) == ("BP104", 1)
    assert "more than the limit of 1048576" in problem.message
