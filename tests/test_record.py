"""`backup-policy record`: a run appended to the plan through ruamel's round trip; the bytes
before and after the new entry stay exactly as written (comments, key order, quoting)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from compiler.config import RunConfig
from compiler.pipeline.validate import validate
from tests.conftest import RunCli

PLAN = "policies/restore-tests.yaml"
# A plan written by hand: comments everywhere, quoted and flow-style values, blank lines, a
# test without a protocol and a comment after the last run of a test.
COMMENTED = """\
# yaml-language-server: $schema=../schemas/restore-test-plan.json
# Our restore tests. Keep them honest.
apiVersion: "backup-policy/v1alpha1"
kind: RestoreTestPlan
metadata: {name: homelab}
spec:
  gracePeriod: '14d'   # two weeks of slack
  tests:
    # Longhorn first
    - id: BT-LH-01
      title: "Restore: a Longhorn volume into a new PVC"
      type: longhorn-snapshot
      scope: {services: [productivity/paperless, automation/n8n]}
      frequency: quarterly
      responsible: storage-lead
      protocol:
        - date: 2026-10-06
          result: passed   # smooth
          owner: 'storage-lead'
          duration: "25m"

    # Restic next; never run so far
    - id: BT-K8-01
      title: Restore the media PVCs
      type: k8up-restic
      scope:
        namespaces: [media]
      frequency: quarterly
      responsible: storage-lead   # the lead

    # the end
"""


def inserted(before: str, after: str) -> str:
    """The text ``after`` adds to ``before`` in one place; everything else byte-identical."""
    start = 0
    while start < len(before) and before[start] == after[start]:
        start += 1
    start = before.rfind("\n", 0, start) + 1  # whole lines
    tail = len(before) - start
    assert after.endswith(before[start:]), "the text after the new entry changed"
    assert after[:start] == before[:start], "the text before the new entry changed"
    return after[start : len(after) - tail]


def test_record_appends_to_the_protocol_of_the_example(example: Path, run_cli: RunCli) -> None:
    plan = example / PLAN
    before = plan.read_text()
    result = run_cli(
        "record", "BT-LH-01", "--result", "passed", "--duration", "30m", "--owner",
        "storage-lead", "--date", "2026-12-06", cwd=example,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "recorded BT-LH-01: 2026-12-06 passed in 30m by storage-lead" in result.output
    assert inserted(before, plan.read_text()) == (
        "        - date: 2026-12-06\n"
        "          result: passed\n"
        "          owner: storage-lead\n"
        "          duration: 30m\n"
    )
    policies = validate(RunConfig(policies=example / "policies")).policies
    assert policies is not None and policies.restore_plan is not None
    (test,) = [t for t in policies.restore_plan.policy.spec.tests if t.id == "BT-LH-01"]
    assert str(test.protocol[-1].date) == "2026-12-06" and test.protocol[-1].duration == 1800


def test_record_keeps_comments_order_and_quotes(example: Path, run_cli: RunCli) -> None:
    plan = example / PLAN
    plan.write_text(COMMENTED)
    result = run_cli(
        "record", "BT-LH-01", "--result", "partial", "--duration", "1h10m", "--owner", "me",
        "--notes", "Resize: the PVC", "--notes", "Document the password", cwd=example,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert inserted(COMMENTED, plan.read_text()) == (
        "        - date: 2026-12-06\n"
        "          result: partial\n"
        "          owner: me\n"
        "          duration: 1h10m\n"
        "          followUps:\n"
        "            - 'Resize: the PVC'\n"
        "            - Document the password\n"
    )
    assert "\n\n    # Restic next; never run so far\n    - id: BT-K8-01" in plan.read_text()


def test_record_starts_a_protocol(example: Path, run_cli: RunCli) -> None:
    plan = example / PLAN
    plan.write_text(COMMENTED)
    result = run_cli(
        "record", "BT-K8-01", "--result", "failed", "--duration", "2h", "--owner", "media-lead",
        cwd=example,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert inserted(COMMENTED, plan.read_text()) == (
        "      protocol:\n"
        "        - date: 2026-12-06\n"
        "          result: failed\n"
        "          owner: media-lead\n"
        "          duration: 2h\n"
    )
    text = plan.read_text()
    assert "responsible: storage-lead   # the lead\n      protocol:\n" in text
    assert text.endswith("duration: 2h\n\n    # the end\n")


def test_record_keeps_the_file_mode_and_leaves_no_temporary_file(
    example: Path, run_cli: RunCli
) -> None:
    plan = example / PLAN
    os.chmod(plan, 0o640)
    arguments = ("BT-VL-01", "--result", "passed", "--duration", "40m", "--owner", "platform")
    assert run_cli("record", *arguments, cwd=example).exit_code == 0
    assert stat.S_IMODE(plan.stat().st_mode) == 0o640
    assert sorted(p.name for p in plan.parent.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["BT-LH-1", "--duration", "30m"],
            "unknown restore test 'BT-LH-1'. did you mean 'BT-LH-01'?",
        ),
        (["BT-LH-01", "--duration", "30"], "--duration: '30' is not a duration"),
        (["BT-LH-01", "--duration", "0m"], "--duration: '0m' is not a positive duration"),
        (
            ["BT-LH-01", "--duration", "99999999999999h"],
            "--duration: '99999999999999h' is longer than Go's time.Duration allows",
        ),
        (
            ["BT-LH-01", "--duration", "30m", "--date", "2062-01-01", "--today", "2026-12-06"],
            "--date 2062-01-01 is after today (2026-12-06)",
        ),
    ],
)
def test_a_bad_record_is_a_usage_error_and_changes_nothing(
    arguments: list[str], message: str, example: Path, run_cli: RunCli
) -> None:
    before = (example / PLAN).read_text()
    test_id, *rest = arguments
    result = run_cli("record", test_id, "--result", "passed", "--owner", "x", *rest, cwd=example)
    assert result.exit_code == 2
    assert message in result.output
    assert (example / PLAN).read_text() == before


def test_record_prints_one_json_document(example: Path, run_cli: RunCli) -> None:
    result = run_cli(
        "record", "BT-LS-01", "--result", "passed", "--duration", "12m", "--owner", "platform",
        "--date", "2026-12-01", "--format", "json", cwd=example,
    )  # fmt: skip
    document = json.loads(result.output)
    assert document["command"] == "record" and document["exitCode"] == 0
    assert document["recorded"] == {
        "test": "BT-LS-01",
        "date": "2026-12-01",
        "result": "passed",
        "owner": "platform",
        "duration": "12m",
        "followUps": [],
        "file": PLAN,
    }
