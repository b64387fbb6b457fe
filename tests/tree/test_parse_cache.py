"""Parsed documents kept between runs: what the cache gives is what parsing gives, for every
file of the real repositories; a changed, damaged or foreign cache is only slower; a cache
that is off or unsafe is not written."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.config import RunConfig
from compiler.core.user_cache import NO_CACHE
from compiler.pipeline.build import build
from compiler.tree import parse_cache
from compiler.tree.nodes import ParseError, YamlDocument, read_documents
from compiler.tree.parse_cache import UNUSED_DAYS, DocumentCache
from tests.conftest import realworld_dir
from tests.support.files import copy_example

ROOT = Path("/repo/out")
TEXTS = [
    "a: 1\n",
    "---\nkind: A\n---\n---\nkind: B\nlist: [1, 2.5, true, null, '3']\n",
    "base: &b {x: 1}\nfirst: *b\nsecond:\n  <<: *b\n  y: 2\n",
    "secret: !secret value\nsops: ENC[AES256_GCM,data:abc]\n",
    "a: [\n",  # a syntax error: cached as an error, with its position
    "key: 1\nkey: 2\n",  # the last wins, as in Go
]


def _environ(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CACHE_HOME": str(tmp_path / "cache")}


def _saved(texts: list[str], environ: dict[str, str]) -> DocumentCache:
    cache = DocumentCache.open(ROOT, environ)
    for text in texts:
        cache.documents(text)
    cache.save()
    return cache


def _reopened(texts: list[str], environ: dict[str, str]) -> DocumentCache:
    cache = DocumentCache.open(ROOT, environ)
    for text in texts:
        assert cache.documents(text) == read_documents(text)
    return cache


def test_a_second_run_parses_nothing_and_gets_the_same_documents(tmp_path: Path) -> None:
    environ = _environ(tmp_path)
    assert _saved(TEXTS, environ).parsed == len(TEXTS)
    assert _reopened(TEXTS, environ).parsed == 0
    assert isinstance(_reopened(TEXTS, environ).documents("a: [\n"), ParseError)


def test_every_file_of_the_real_repositories_comes_back_as_parsed(tmp_path: Path) -> None:
    texts = []
    for path in sorted(realworld_dir().rglob("*.y*ml")):
        if path.is_file() and not path.is_symlink():
            try:
                texts.append(path.read_text(encoding="utf-8"))
            except UnicodeDecodeError:
                continue  # the tree does not parse these either (BP424)
    assert len(texts) > 900  # the five repositories: 978 files
    environ = _environ(tmp_path)
    _saved(texts, environ)
    assert _reopened(texts, environ).parsed == 0


@settings(max_examples=60, deadline=None, derandomize=bool(os.environ.get("CI")))
@given(st.lists(st.sampled_from(["a", ":", " ", "\n", "- ", "&x ", "*x", "!t ", "'", "1", "#"])))
def test_any_text_comes_back_as_parsed(
    tmp_path_factory: pytest.TempPathFactory, parts: list[str]
) -> None:
    environ = _environ(tmp_path_factory.mktemp("cache"))
    text = "".join(parts)
    _saved([text], environ)
    assert _reopened([text], environ).parsed == 0


def test_a_changed_text_is_parsed_and_what_no_run_reads_is_dropped(tmp_path: Path) -> None:
    environ = _environ(tmp_path)
    cache = _saved(TEXTS, environ)
    assert cache.file is not None
    size = cache.file.stat().st_size
    changed = [*TEXTS[:-1], "key: 3\n"]
    assert _saved(changed, environ).parsed == 1
    assert _saved([TEXTS[0]], environ).parsed == 0
    assert cache.file.stat().st_size < size
    assert _reopened(TEXTS, environ).parsed == len(TEXTS) - 1


def test_an_unchanged_run_does_not_rewrite_the_file(tmp_path: Path) -> None:
    environ = _environ(tmp_path)
    file = _saved(TEXTS, environ).file
    assert file is not None
    before = file.stat().st_mtime_ns
    os.utime(file, ns=(before - 10**9, before - 10**9))
    _saved(TEXTS, environ)
    assert file.stat().st_mtime_ns == before - 10**9


@pytest.mark.parametrize("damage", ["truncated", "flipped", "foreign", "empty", "garbage"])
def test_a_damaged_or_foreign_file_is_an_empty_cache(tmp_path: Path, damage: str) -> None:
    environ = _environ(tmp_path)
    file = _saved(TEXTS, environ).file
    assert file is not None
    content = file.read_bytes()
    file.write_bytes(
        {
            "truncated": content[: len(content) - 7],
            "flipped": content[:-3] + bytes([content[-3] ^ 1]) + content[-2:],
            "foreign": content.replace(b"documents 1", b"documents 0", 1),
            "empty": b"",
            "garbage": os.urandom(len(content)),
        }[damage]
    )
    assert _reopened(TEXTS, environ).parsed == len(TEXTS)
    assert _saved(TEXTS, environ).parsed == len(TEXTS)  # and is made whole again
    assert _reopened(TEXTS, environ).parsed == 0


def test_another_output_root_has_its_own_file(tmp_path: Path) -> None:
    environ = _environ(tmp_path)
    _saved(TEXTS, environ)
    other = DocumentCache.open(Path("/another/out"), environ)
    assert other.documents(TEXTS[0]) == read_documents(TEXTS[0])
    assert other.parsed == 1


def test_off_unsafe_or_unwritable_means_no_cache_and_the_same_result(tmp_path: Path) -> None:
    off = {**_environ(tmp_path), NO_CACHE: "1"}
    assert _saved(TEXTS, off).file is None
    assert not (tmp_path / "cache").exists()
    shared = tmp_path / "shared"
    (shared / "backup-policy" / "documents").mkdir(parents=True)
    (shared / "backup-policy" / "documents").chmod(0o777)
    assert DocumentCache.open(ROOT, {"XDG_CACHE_HOME": str(shared)}).file is None
    environ = _environ(tmp_path)
    file = _saved(TEXTS[:1], environ).file
    assert file is not None
    file.unlink()
    file.mkdir()  # neither readable nor replaceable as a file, even by root
    assert _saved(TEXTS, environ).parsed == len(TEXTS)
    assert _reopened(TEXTS, environ).parsed == len(TEXTS)
    assert file.is_dir()


def test_a_build_with_a_warm_cache_equals_one_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_example(tmp_path / "example")
    config = RunConfig(policies=project / "policies")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = build(config)
    parsed: list[str] = []

    def counted(text: str) -> object:
        parsed.append(text)
        return read_documents(text)

    monkeypatch.setattr(parse_cache, "read_documents", counted)
    second = build(config)
    assert parsed == []  # every text of the tree came from the cache
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv(NO_CACHE, "1")
    uncached = build(config)
    assert first.outputs == second.outputs == uncached.outputs
    assert (
        first.diagnostics.sorted() == second.diagnostics.sorted() == uncached.diagnostics.sorted()
    )
    assert second.inventory is not None and uncached.inventory is not None
    assert second.inventory.parsed == uncached.inventory.parsed
    assert len(list((tmp_path / "cache" / "backup-policy" / "documents").iterdir())) == 1
    shutil.rmtree(tmp_path / "cache")


def test_a_cache_no_run_used_for_30_days_is_removed_by_the_next_save(tmp_path: Path) -> None:
    environ = _environ(tmp_path)
    used = _saved(TEXTS, environ).file
    assert used is not None
    folder = used.parent
    old, recent, torn = folder / "old.bin", folder / "recent.bin", folder / ".tmp-killed"
    for file in (old, recent, torn):
        file.write_bytes(b"x")
    days = 86_400
    os.utime(old, (time.time() - (UNUSED_DAYS + 1) * days,) * 2)
    os.utime(recent, (time.time() - (UNUSED_DAYS - 1) * days,) * 2)
    os.utime(torn, (time.time() - 2 * days,) * 2)
    os.utime(used, (time.time() - (UNUSED_DAYS + 1) * days,) * 2)
    cache = DocumentCache.open(ROOT, environ)  # used today: marked so
    assert time.time() - used.stat().st_mtime < 60
    cache.documents("new: text\n")
    cache.save()
    assert sorted(p.name for p in folder.iterdir()) == sorted([used.name, "recent.bin"])


def test_a_cache_opened_not_to_keep_is_read_but_never_written(tmp_path: Path) -> None:
    environ = _environ(tmp_path)
    file = _saved(TEXTS[:2], environ).file
    assert file is not None
    content = file.read_bytes()
    reader = DocumentCache.open(ROOT, environ, keep=False)
    for text in TEXTS:
        assert reader.documents(text) == read_documents(text)
    reader.save()
    assert reader.parsed == len(TEXTS) - 2
    assert file.read_bytes() == content


def test_a_result_marshal_cannot_write_is_not_kept_and_fails_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    odd = [YamlDocument(object(), 1, 1)]  # nothing the parser makes: a cache must still not fail
    monkeypatch.setattr(parse_cache, "read_documents", lambda text: odd)
    cache = DocumentCache.open(ROOT, _environ(tmp_path))
    assert cache.documents("a: 1\n") is odd
    cache.save()
    assert cache.file is not None and not cache.file.exists()
