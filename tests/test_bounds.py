"""Hostile input sizes: each stops with a clear error at its position, quickly, no traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.support.process import run_compiler

BASE = REPO / "tests" / "cases" / "base"
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
CASES = {
    "alias-bomb": (BOMB, "BP104", "expands to more than 100000 values"),
    "deep-nesting": ("a: " + "[" * 10_000 + "]" * 10_000 + "\n", "BP104", "deeper than 64"),
    "over-size": ("a: " + "x" * (11 * 1024 * 1024) + "\n", "BP104", "more than the limit"),
    "python-tag": ("kind: !!python/object/apply:os.system [id]\n", "BP105", "unknown YAML tag"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input_stops_with_a_positioned_error(tmp_path: Path, name: str) -> None:
    text, rule, words = CASES[name]
    shutil.copytree(BASE, tmp_path, dirs_exist_ok=True)
    (tmp_path / "policies/services/evil.yaml").write_text(text)
    done = run_compiler(tmp_path, "check")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    (line,) = [line for line in done.stdout.splitlines() if "evil.yaml" in line]
    assert f"] {words}" in line or words in line
    assert f"error [{rule}]" in line
    assert line.startswith("policies/services/evil.yaml:")
