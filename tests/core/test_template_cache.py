"""Compiled templates are kept in the user's cache folder, never in the repository; a
cache that is off, damaged, unsafe or unwritable changes nothing but the time taken."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import jinja2
import pytest

from compiler.config import RunConfig
from compiler.core.template_cache import bytecode_cache
from compiler.core.user_cache import NO_CACHE, cache_folder
from compiler.pipeline.build import build
from compiler.plan.docs.render import PAGES, environment
from tests.conftest import RunCli

TEMPLATE = "{% for n in items %}{{ n | upper }}\n{% endfor %}"


def _environment(cache: jinja2.BytecodeCache | None) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.DictLoader({"t.j2": TEMPLATE}), bytecode_cache=cache)


class _Compiles:
    """Counts the templates Jinja2 compiles from source (a cache hit compiles none)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        compile_ = jinja2.Environment.compile

        def counted(env: jinja2.Environment, *args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return compile_(env, *args, **kwargs)

        monkeypatch.setattr(jinja2.Environment, "compile", counted)


def test_the_folder_follows_xdg_then_home_and_can_be_turned_off() -> None:
    assert cache_folder("templates", {"XDG_CACHE_HOME": "/c", "HOME": "/h"}) == Path(
        "/c/backup-policy/templates"
    )
    assert cache_folder("templates", {"XDG_CACHE_HOME": "rel", "HOME": "/h"}) == Path(
        "/h/.cache/backup-policy/templates"
    )
    assert cache_folder("templates", {"HOME": "/h", NO_CACHE: ""}) == Path(
        "/h/.cache/backup-policy/templates"
    )
    assert cache_folder("templates", {"HOME": "/h", NO_CACHE: "1"}) is None
    assert cache_folder("templates", {}) is None


def test_a_template_is_compiled_once_then_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiles = _Compiles(monkeypatch)
    environ = {"XDG_CACHE_HOME": str(tmp_path)}
    first = _environment(bytecode_cache(environ)).get_template("t.j2").render(items=["a"])
    second = _environment(bytecode_cache(environ)).get_template("t.j2").render(items=["a"])
    assert first == second == "A\n"
    assert compiles.count == 1
    folder = tmp_path / "backup-policy" / "templates"
    assert len(list(folder.iterdir())) == 1
    assert folder.stat().st_mode & 0o777 == 0o700


def test_a_damaged_entry_is_compiled_again_and_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environ = {"XDG_CACHE_HOME": str(tmp_path)}
    _environment(bytecode_cache(environ)).get_template("t.j2")
    [entry] = (tmp_path / "backup-policy" / "templates").iterdir()
    for damage in (b"", b"j2\x00garbage", entry.read_bytes()[:40]):
        entry.write_bytes(damage)
        compiles = _Compiles(monkeypatch)
        text = _environment(bytecode_cache(environ)).get_template("t.j2").render(items=["b"])
        assert text == "B\n" and compiles.count == 1
        assert entry.stat().st_size > 100  # written again whole


def test_an_unsafe_or_impossible_folder_is_no_cache(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    (shared / "backup-policy" / "templates").mkdir(parents=True)
    os.chmod(shared / "backup-policy" / "templates", 0o777)
    assert bytecode_cache({"XDG_CACHE_HOME": str(shared)}) is None
    (tmp_path / "a-file").write_text("")
    assert bytecode_cache({"XDG_CACHE_HOME": str(tmp_path / "a-file")}) is None
    assert bytecode_cache({"XDG_CACHE_HOME": str(tmp_path), NO_CACHE: "1"}) is None


def test_an_unwritable_cache_leaves_the_render_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = bytecode_cache({"XDG_CACHE_HOME": str(tmp_path)})
    assert cache is not None
    (tmp_path / "backup-policy" / "templates").rmdir()  # every write now fails
    assert _environment(cache).get_template("t.j2").render(items=["c"]) == "C\n"


def _docs(example: Path) -> dict[str, str]:
    """The example's docs pages, rendered by a fresh environment."""
    environment.cache_clear()
    try:
        result = build(RunConfig(policies=example / "policies", output=example / "out"))
    finally:
        environment.cache_clear()
    assert result.outputs is not None
    return {path: text for path, text in result.outputs.items() if path.endswith(".md")}


def test_the_docs_pages_are_the_same_cold_warm_and_without_a_cache(
    example: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    cold = _docs(example)
    compiles = _Compiles(monkeypatch)
    warm = _docs(example)
    assert compiles.count == 0, "the pages and their macros load from the cache"
    monkeypatch.setenv(NO_CACHE, "1")
    off = _docs(example)
    assert compiles.count >= len(PAGES)
    assert len(cold) == len(PAGES) and cold == warm == off


def test_check_keeps_its_cache_outside_the_repository(
    example: Path,
    tmp_path_factory: pytest.TempPathFactory,
    run_cli: RunCli,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    environment.cache_clear()
    before = {p: p.read_bytes() for p in example.rglob("*") if p.is_file()}
    try:
        assert run_cli("check", cwd=example).exit_code == 0
    finally:
        environment.cache_clear()
    assert {p: p.read_bytes() for p in example.rglob("*") if p.is_file()} == before
    assert len(list((cache / "backup-policy" / "templates").iterdir())) >= len(PAGES)
