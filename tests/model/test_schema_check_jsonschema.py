"""The committed schemas accept every example and valid case, and reject a broken policy of
each kind, when checked by the real ``check-jsonschema`` CLI (what editors and CI hooks use)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from compiler.model.schema import ANY_KIND_FILE, SCHEMA_FILES
from tests.conftest import REPO, require_tool
from tests.test_cases import CASES, materialise


def _check_jsonschema(schema: str, files: list[Path]) -> subprocess.CompletedProcess[str]:
    found = shutil.which("check-jsonschema")
    require_tool("check-jsonschema", found is not None)
    assert found is not None
    command = [found, "--schemafile", str(REPO / "schemas" / schema), *map(str, files)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def _kind(path: Path) -> str:
    document = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    return str(document["kind"])


@pytest.fixture(scope="module")
def valid_policies(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """policies/ and the policies of every valid acceptance case (laid over the base)."""
    files = sorted((REPO / "policies").rglob("*.yaml"))
    for case in sorted(p for p in (CASES / "valid").iterdir() if p.is_dir()):
        root = materialise(case, tmp_path_factory.mktemp(case.name))
        files += sorted((root / "policies").rglob("*.yaml"))
    return files


@pytest.mark.integration
@pytest.mark.parametrize("schema", [*SCHEMA_FILES.values(), ANY_KIND_FILE])
def test_examples_and_valid_cases_pass(schema: str, valid_policies: list[Path]) -> None:
    kinds = [k for k, name in SCHEMA_FILES.items() if name == schema] or list(SCHEMA_FILES)
    files = [path for path in valid_policies if _kind(path) in kinds]
    assert len({_kind(path) for path in files}) == len(kinds)
    result = _check_jsonschema(schema, files)
    assert result.returncode == 0, result.stdout + result.stderr


BROKEN = {
    # a duration without a unit: the mistake the schema's string durations exist to catch
    "ClusterPolicy": (
        "cluster.yaml",
        ("      rpo: 1h\n", "      rpo: 3600\n"),
        "$.spec.classes.critical.rpo: 3600 is not of type 'string'",
    ),
    "ServicePolicy": (
        "services/web.yaml",
        ("classification: important", "classification: importnat"),
        "$.spec.classification: 'importnat' is not one of ['critical', 'important', 'best-effort']",
    ),
    "RestoreTestPlan": (
        "restore-tests.yaml",
        ("- id: BT-LH-01", "- id: BT_LH_01"),
        "$.spec.tests[0].id: 'BT_LH_01' does not match "
        "'^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$'",
    ),
}


def _broken(kind: str, into: Path) -> tuple[Path, str]:
    """A copy of the base case's policy of ``kind`` with one mistake, and the message."""
    name, (old, new), message = BROKEN[kind]
    text = (CASES / "base" / "policies" / name).read_text()
    assert text.count(old) == 1
    broken = into / Path(name).name
    broken.write_text(text.replace(old, new))
    return broken, f"{broken}::{message}"


@pytest.mark.integration
@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_broken_policy_of_each_kind_fails(kind: str, tmp_path: Path) -> None:
    broken, message = _broken(kind, tmp_path)
    result = _check_jsonschema(SCHEMA_FILES[kind], [broken])
    assert result.returncode == 1, result.stdout + result.stderr
    assert message in result.stdout


@pytest.mark.integration
def test_any_kind_schema_reports_the_problem_inside_the_files_kind(tmp_path: Path) -> None:
    broken = [_broken(kind, tmp_path) for kind in sorted(BROKEN)]
    result = _check_jsonschema(ANY_KIND_FILE, [path for path, _ in broken])
    assert result.returncode == 1, result.stdout + result.stderr
    for _, message in broken:
        assert message in result.stdout
    assert "is not valid under any of the given schemas" not in result.stdout
