"""Reading hand-written files: never raises on content, never serves a stale parse."""

from __future__ import annotations

import os
from pathlib import Path

from compiler.handwritten import mapping_at, yaml_documents


def test_a_rewrite_is_seen_at_once_even_with_the_same_size(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("kind: A\n")
    first = path.stat()
    assert yaml_documents(path) == [{"kind": "A"}]
    path.write_text("kind: B\n")
    os.utime(path, ns=(first.st_atime_ns, first.st_mtime_ns))  # one coarse timestamp tick
    assert yaml_documents(path) == [{"kind": "B"}]


def test_unreadable_or_odd_files_give_nothing(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("a: [\n")
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe")
    (tmp_path / "list.yaml").write_text("- 1\n---\nkind: X\n")
    assert yaml_documents(tmp_path / "bad.yaml") == []
    assert yaml_documents(tmp_path / "bin.yaml") == []
    assert yaml_documents(tmp_path / "missing.yaml") == []
    assert yaml_documents(tmp_path / "list.yaml") == [{"kind": "X"}]


def test_mapping_at_stops_at_anything_but_a_mapping() -> None:
    assert mapping_at({"a": {"b": {"c": 1}}}, "a", "b") == {"c": 1}
    assert mapping_at({"a": 1.5}, "a", "b") == {}
    assert mapping_at([1], "a") == {}
