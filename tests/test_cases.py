"""Acceptance cases: folders of policies with the exact diagnostics they must produce.

A case folder overlays files onto ``tests/cases/base`` (same relative paths; an empty file
named ``<name>.delete`` removes ``<name>``) and lists its expected problems in ``expected``,
one ``path:line:col: level ID`` per line. Valid cases expect no errors (warnings listed).
Comment lines of ``expected`` may say ``# exit: N`` (default 1) and ``# secret: VALUE`` (a
value that must never be shown).

Each case also runs through the CLI as a user would: an invalid case prints only
``path:line:col: level [ID] message`` lines (and their hints), exits with its code and leaves
the tree byte-identical; a valid case compiles to objects the upstream CRDs accept.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from compiler.config import RunConfig
from compiler.core.yamlread import load_documents
from compiler.pipeline.build import build
from tests.conftest import RunCli
from tests.support.files import is_generated
from tests.support.validation import kustomize_build, validate_stream
from tests.support.validation.schemas import SchemaRegistry

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


def compiled_case(name: str, into: Path) -> dict[str, str]:
    """The outputs of the valid case ``name``, compiled without an error (nothing written)."""
    root = materialise(CASES / "valid" / name, into)
    result = build(RunConfig(policies=root / "policies", output=root / "out"))
    assert not [d.render() for d in result.diagnostics.sorted() if d.level == "error"]
    assert result.outputs is not None
    return result.outputs


def _diagnostics(root: Path) -> list[str]:
    result = build(RunConfig(policies=root / "policies", output=root / "out"))
    return [f"{d.file}:{d.line}:{d.col}: {d.level} {d.rule}" for d in result.diagnostics.sorted()]


def _header(case: Path, name: str) -> str | None:
    for line in (case / "expected").read_text().splitlines():
        if line.startswith(f"# {name}: "):
            return line.split(": ", 1)[1].strip()
    return None


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


PROBLEM = re.compile(
    r"^(?P<at>[^\s:][^:]*:\d+:\d+): (?P<level>error|warning) \[(?P<id>BP\d{3})\] \S"
)


def _shown(output: str) -> list[str]:
    """The problems a user reads, as ``path:line:col: level ID``; any other line is a hint."""
    problems = []
    for line in output.splitlines():
        match = PROBLEM.match(line)
        if match:
            problems.append(f"{match['at']}: {match['level']} {match['id']}")
        else:
            assert line.startswith("    hint: ") or line.startswith("nothing written"), line
    return problems


def _expected(case: Path) -> list[str]:
    lines = (case / "expected").read_text().splitlines() if (case / "expected").exists() else []
    return sorted(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@pytest.mark.parametrize("case", _case_dirs("invalid"), ids=lambda p: p.name)
def test_invalid_case(case: Path, tmp_path: Path) -> None:
    expected = _expected(case)
    assert any(" error " in line for line in expected), "an invalid case must expect an error"
    assert sorted(_diagnostics(materialise(case, tmp_path))) == expected


@pytest.mark.parametrize("case", _case_dirs("invalid"), ids=lambda p: p.name)
def test_invalid_case_through_the_cli(case: Path, tmp_path: Path, run_cli: RunCli) -> None:
    root = materialise(case, tmp_path)
    before = _tree(root)
    result = run_cli("compile", cwd=root)
    assert result.exit_code == int(_header(case, "exit") or 1), result.output
    assert "Traceback" not in result.output
    assert sorted(_shown(result.output)) == _expected(case)
    assert _tree(root) == before, "an invalid case must write nothing"
    secret = _header(case, "secret")
    assert secret is None or secret not in result.output


def _objects(root: Path) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    for path in sorted((root / "out").rglob("*.yaml")):
        if (
            is_generated(path)
            and path.parent.name != "patches"
            and path.name != "kustomization.yaml"
        ):
            found += [d for d in load_documents(path.read_text()) if isinstance(d, dict)]
    return found


@pytest.mark.parametrize("case", _case_dirs("valid"), ids=lambda p: p.name)
def test_valid_case_compiles_to_objects_the_crds_accept(
    case: Path, tmp_path: Path, run_cli: RunCli, schema_registry: SchemaRegistry, kubectl: str
) -> None:
    root = materialise(case, tmp_path)
    result = run_cli("compile", cwd=root)
    assert result.exit_code == 0, result.output
    assert _objects(root), "a valid case generates objects"
    for obj in _objects(root):
        assert schema_registry.validate_object(obj) == []
    for folder in sorted(p.parent for p in (root / "out").rglob("kustomization.yaml")):
        if "kind: Component" not in (folder / "kustomization.yaml").read_text():
            assert validate_stream(kustomize_build(folder), schema_registry) == []


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
    assert len(_case_dirs("invalid")) >= 60
