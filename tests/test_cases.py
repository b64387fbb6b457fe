"""Acceptance cases: folders of policies with the exact diagnostics they must produce.

A case folder overlays files onto ``tests/cases/base`` (same relative paths; an empty file
named ``<name>.delete`` removes ``<name>``) and lists its expected problems in ``expected``,
one ``path:line:col: level ID`` per line. Valid cases expect no errors (warnings listed).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from compiler.config import RunConfig
from compiler.pipeline.build import build

CASES = Path(__file__).parent / "cases"


def _case_dirs(kind: str) -> list[Path]:
    return sorted(p for p in (CASES / kind).iterdir() if p.is_dir())


def materialise(case: Path, into: Path) -> Path:
    shutil.copytree(CASES / "base", into, dirs_exist_ok=True)
    for path in sorted(case.rglob("*")):
        if path.is_dir() or path.name == "expected":
            continue
        rel = path.relative_to(case)
        if path.suffix == ".delete":
            (into / rel.with_suffix("")).unlink()
            continue
        (into / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, into / rel)
    return into


def _diagnostics(root: Path) -> list[str]:
    result = build(RunConfig(policies=root / "policies", output=root / "out"))
    return [f"{d.file}:{d.line}:{d.col}: {d.level} {d.rule}" for d in result.diagnostics.sorted()]


def _expected(case: Path) -> list[str]:
    lines = (case / "expected").read_text().splitlines() if (case / "expected").exists() else []
    return sorted(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@pytest.mark.parametrize("case", _case_dirs("invalid"), ids=lambda p: p.name)
def test_invalid_case(case: Path, tmp_path: Path) -> None:
    expected = _expected(case)
    assert any(" error " in line for line in expected), "an invalid case must expect an error"
    assert sorted(_diagnostics(materialise(case, tmp_path))) == expected


@pytest.mark.parametrize("case", _case_dirs("valid"), ids=lambda p: p.name)
def test_valid_case(case: Path, tmp_path: Path) -> None:
    found = _diagnostics(materialise(case, tmp_path))
    assert not [line for line in found if " error " in line]
    assert sorted(found) == _expected(case)


def test_invalid_cases_cover_every_error_class() -> None:
    rules = {line.split()[-1] for case in _case_dirs("invalid") for line in _expected(case)}
    for family in (
        "BP100",
        "BP101",
        "BP102",
        "BP110",
        "BP200",
        "BP201",
        "BP202",
        "BP203",
        "BP204",
        "BP300",
        "BP350",
        "BP401",
        "BP402",
    ):
        assert family in rules, f"no invalid case exercises {family}"
    assert len(_case_dirs("invalid")) >= 25
