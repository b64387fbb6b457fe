"""Stage 2, model: a loaded document becomes a policy or positioned diagnostics with hints."""

from __future__ import annotations

import pytest

from compiler.core.diagnostics import Diagnostic
from compiler.core.text import did_you_mean
from compiler.load import load_text
from compiler.model import ClusterPolicy, RestoreTestPlan, ServicePolicy
from compiler.model.build import build
from compiler.registry import DEFAULT
from compiler.tools.k8up.settings import SETTINGS as K8UP

SERVICE = """\
apiVersion: backup-policy/v1alpha1
kind: ServicePolicy
metadata:
  name: web
  namespace: apps
spec:
  classification: important
  owner: ops
  storage: longhorn
  workload: {kind: Deployment, name: web}
  volumes:
    - name: data
      claim: web-data
"""

CLUSTER = """\
apiVersion: backup-policy/v1alpha1
kind: ClusterPolicy
metadata: {name: test}
spec:
  targets:
    garage:
      type: s3
      endpoint: http://garage:3900
      bucket: k8up
      credentialsSecret: {name: garage-s3}
    nas: {type: longhorn-backup-target}
  classes:
    important:
      rpo: 24h
      rto: 24h
      k8up: {target: garage, backup: "H H(0-5) * * *"}
"""

PLAN = """\
apiVersion: backup-policy/v1alpha1
kind: RestoreTestPlan
spec:
  tests:
    - id: BT-LH-01
      title: t
      type: full-dr
      scope: {namespaces: [apps]}
      frequency: yearly
      responsible: ops
      protocol:
        - {date: 2026-10-01, result: passed, owner: ops, duration: 20m}
"""


def _problems(text: str) -> list[Diagnostic]:
    doc, problems = load_text(text, "p.yaml")
    assert problems == [] and doc is not None
    built, problems = build(doc, DEFAULT.kinds.by_kind)
    assert built is None
    return problems


def _one(text: str) -> tuple[int, int, str, str, str]:
    [problem] = _problems(text)
    return problem.line, problem.col, problem.rule, problem.message, problem.hint


def test_valid_documents_build() -> None:
    for text, kind in ((SERVICE, ServicePolicy), (CLUSTER, ClusterPolicy), (PLAN, RestoreTestPlan)):
        doc, _ = load_text(text, "p.yaml")
        assert doc is not None
        built, problems = build(doc, DEFAULT.kinds.by_kind)
        assert problems == []
        assert built is not None and isinstance(built.policy, kind) and built.doc is doc


def test_values_are_converted() -> None:
    doc, _ = load_text(CLUSTER, "p.yaml")
    assert doc is not None
    built, _ = build(doc, DEFAULT.kinds.by_kind)
    assert built is not None and isinstance(built.policy, ClusterPolicy)
    spec = built.policy.spec
    assert spec.classes["important"].rpo == 86400
    k8up = K8UP.of(spec.classes["important"])
    assert k8up is not None and k8up.backup == "H H(0-5) * * *"
    assert spec.timezone == "UTC" and spec.output.root == "out"


def test_cron_whitespace_is_normalised_in_the_model() -> None:
    doc, _ = load_text(CLUSTER.replace('"H H(0-5) * * *"', '"0  3 *  * *"'), "p.yaml")
    assert doc is not None
    built, _ = build(doc, DEFAULT.kinds.by_kind)
    assert built is not None and isinstance(built.policy, ClusterPolicy)
    k8up = K8UP.of(built.policy.spec.classes["important"])
    assert k8up is not None and k8up.backup == "0 3 * * *"


def test_wrong_api_version() -> None:
    line, col, rule, message, hint = _one(SERVICE.replace("v1alpha1", "v2", 1))
    assert (line, col, rule) == (1, 13, "BP110")
    assert "'backup-policy/v2'" in message and "backup-policy/v1alpha1" in hint


def test_unknown_kind_with_did_you_mean() -> None:
    line, col, rule, _, hint = _one(SERVICE.replace("kind: ServicePolicy", "kind: ServicePolcy"))
    assert (line, col, rule) == (2, 7, "BP110")
    assert hint == "did you mean 'ServicePolicy'?"


def test_unknown_kind_without_a_close_match_lists_the_kinds() -> None:
    *_, hint = _one(SERVICE.replace("kind: ServicePolicy", "kind: Deployment"))
    assert hint == "use one of: ClusterPolicy, ServicePolicy, RestoreTestPlan"


def test_header_problems_are_all_reported() -> None:
    problems = _problems("metadata: {name: x}\n")
    assert [(p.rule, p.message) for p in problems] == [
        ("BP110", "apiVersion missing"),
        ("BP110", "kind missing"),
    ]


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", "42\n"])
def test_a_policy_must_be_a_mapping(text: str) -> None:
    line, col, rule, message, _ = _one(text)
    assert (line, col, rule) == (1, 1, "BP202")
    assert "must be a mapping" in message


def test_unknown_key_points_at_the_key_with_did_you_mean() -> None:
    unknown, missing = sorted(
        _problems(SERVICE.replace("  owner:", "  ownr:")), key=lambda p: p.rule
    )
    assert (unknown.line, unknown.col, unknown.rule) == (8, 3, "BP200")
    assert unknown.message == "unknown key 'ownr' in spec"
    assert unknown.hint == "did you mean 'owner'?"
    assert (missing.line, missing.col, missing.rule) == (6, 1, "BP201")


def test_unknown_key_without_a_close_match_lists_allowed_keys() -> None:
    *_, message, hint = _one(SERVICE.replace("      claim: web-data", "      zzz: 1"))
    assert message == "unknown key 'zzz' in spec.volumes.0"
    assert hint == "allowed keys: claim, emptyDir, mountPath, name, restoreCheck"


def test_unknown_key_in_a_union_member_uses_that_members_keys() -> None:
    text = CLUSTER.replace(
        "    nas: {type: longhorn-backup-target}",
        "    nas: {type: longhorn-backup-target, bucket: x}",
    )
    line, col, rule, message, hint = _one(text)
    assert (line, col, rule) == (11, 41, "BP200")
    assert message == "unknown key 'bucket' in spec.targets.nas"
    assert hint == "allowed keys: name, offsite, type"
    *_, hint = _one(CLUSTER.replace("      bucket: k8up", "      bucket: k8up\n      regin: x"))
    assert hint == "did you mean 'region'?"


def test_missing_key_points_at_the_mapping_that_lacks_it() -> None:
    line, col, rule, message, hint = _one(SERVICE.replace("  owner: ops\n", ""))
    assert (line, col, rule) == (6, 1, "BP201")
    assert message == "missing required key 'owner' in spec"
    assert hint == "add 'owner:'"


def test_missing_discriminator_is_a_missing_key() -> None:
    line, col, rule, message, _ = _one(
        CLUSTER.replace("{type: longhorn-backup-target}", "{name: default}")
    )
    assert (line, col, rule) == (11, 5, "BP201")
    assert message == "missing required key 'type' in spec.targets.nas"


def test_missing_key_in_a_list_item_points_at_the_item() -> None:
    text = PLAN.replace("result: passed, owner: ops, ", "result: passed, ")
    line, col, rule, _, _ = _one(text)
    assert rule == "BP201"
    assert (line, col) == (12, 11)  # the "{" of the run, not the protocol: key on line 11


@pytest.mark.parametrize(
    ("old", "new", "where", "fragment"),
    [
        ("  owner: ops", "  owner: {team: ops}", (8, 10), "expected a string, got a mapping"),
        ("  owner: ops", "  owner: true", (8, 10), "expected a string, got a boolean"),
        ("  owner: ops", "  owner: 42", (8, 10), "expected a string, got an integer"),
        (
            "  volumes:\n    - name: data\n      claim: web-data",
            "  volumes: data",
            (11, 12),
            "expected a list, got a string",
        ),
        (
            "  workload: {kind: Deployment, name: web}",
            "  workload: web",
            (10, 13),
            "expected a mapping, got a string",
        ),
    ],
)
def test_wrong_type(old: str, new: str, where: tuple[int, int], fragment: str) -> None:
    line, col, rule, message, _ = _one(SERVICE.replace(old, new))
    assert ((line, col), rule) == (where, "BP202")
    assert fragment in message


def test_number_where_text_is_expected_suggests_quoting() -> None:
    *_, hint = _one(SERVICE.replace("  owner: ops", "  owner: 42"))
    assert hint == "quote it if you meant it as text"  # never repeats the value


def test_quoted_numbers_and_booleans_are_not_coerced() -> None:
    """Strict values: "48" is not a number and "true" not a boolean; the hint says how."""
    text = CLUSTER.replace(
        "k8up: {target: garage,",
        'k8up: {target: garage, window: 1h, successfulJobsHistoryLimit: "3",',
        1,
    )
    problems = _problems(text)
    assert [(p.rule, p.hint) for p in problems] == [("BP202", "write the number without quotes")]


def test_quote_hint_only_where_a_string_is_expected() -> None:
    """Quoting 14.5 does not make it an integer: the hint is misleading there."""
    text = CLUSTER.replace(
        '      k8up: {target: garage, backup: "H H(0-5) * * *"}',
        "      longhorn: {target: nas, concurrency: 2.5}",
    )
    _, _, rule, message, hint = _one(text)
    assert rule == "BP202" and "expected an integer" in message
    assert "quote" not in hint


def test_bare_number_duration() -> None:
    line, col, rule, message, _ = _one(SERVICE.replace("  owner: ops", "  owner: ops\n  rpo: 24"))
    assert (line, col, rule) == (9, 8, "BP202")
    assert "expected a duration string" in message


@pytest.mark.parametrize(
    ("old", "new", "where", "hint"),
    [
        (
            "classification: important",
            "classification: importnat",
            (7, 19),
            "did you mean 'important'?",
        ),
        (
            "storage: longhorn",
            "storage: nfs",
            (9, 12),
            "use one of: longhorn, synology-csi, external",
        ),
        ("kind: Deployment", "kind: Deploymnet", (10, 20), "did you mean 'Deployment'?"),
    ],
)
def test_bad_enum(old: str, new: str, where: tuple[int, int], hint: str) -> None:
    line, col, rule, _, got_hint = _one(SERVICE.replace(old, new))
    assert ((line, col), rule, got_hint) == (where, "BP203", hint)


def test_bad_union_tag_points_at_the_type_value() -> None:
    line, col, rule, message, hint = _one(
        CLUSTER.replace("{type: longhorn-backup-target}", "{type: longhorn-target}")
    )
    assert (line, col, rule) == (11, 17, "BP203")
    assert "'longhorn-target'" in message
    assert hint == "did you mean 'longhorn-backup-target'?"


def test_bad_mapping_key_enum_points_at_the_key() -> None:
    line, col, rule, _, hint = _one(CLUSTER.replace("    important:", "    importnt:"))
    assert (line, col, rule) == (13, 5, "BP203")
    assert hint == "did you mean 'important'?"


@pytest.mark.parametrize(
    ("version", "message", "hint"),
    [
        (
            "0.3",
            'spec.litestream.version: YAML reads this as the number 0.3; write it quoted: "0.3"',
            "the choices are text; a number loses how it was written (0.50 reads as 0.5)",
        ),
        (
            "0.50",
            'spec.litestream.version: YAML reads this as the number 0.5; write it quoted: "0.5"',
            "the choices are text; a number loses how it was written (0.50 reads as 0.5)",
        ),
        (
            "5",
            'spec.litestream.version: YAML reads this as the number 5, not one of "0.3", "0.5"',
            "write one of them, quoted",
        ),
    ],
)
def test_a_number_for_a_text_choice_says_to_quote_it(version: str, message: str, hint: str) -> None:
    """Never "'0.3' is not one of 0.3, 0.5" with "did you mean '0.3'?"; never accepted either."""
    text = CLUSTER + f"  litestream: {{targets: [garage], version: {version}}}\n"
    assert _one(text) == (17, 44, "BP202", message, hint)


def test_a_boolean_for_a_text_choice_is_a_wrong_type() -> None:
    *_, rule, message, hint = _one(SERVICE.replace("storage: longhorn", "storage: true"))
    expected = 'spec.storage: expected one of "longhorn", "synology-csi", "external", got a boolean'
    assert (rule, message, hint) == ("BP202", expected, "")


@pytest.mark.parametrize(
    ("old", "new", "where", "fragment"),
    [
        ("  name: web", "  name: Web_App", (4, 9), "not a DNS label"),
        ("  name: web", "  name: " + "a" * 64, (4, 9), "not a DNS label"),
        ("  owner: ops", '  owner: ops\n  rpo: "24"', (9, 8), "not a duration"),
        (
            "      claim: web-data",
            "      claim: web-data\n      mountPath: data",
            (14, 18),
            "not in the expected form",
        ),
    ],
)
def test_invalid_values(old: str, new: str, where: tuple[int, int], fragment: str) -> None:
    line, col, rule, message, _ = _one(SERVICE.replace(old, new))
    assert ((line, col), rule) == (where, "BP204")
    assert fragment in message


@pytest.mark.parametrize(
    ("cron_text", "fragment"),
    [
        ("0 0 30 2 *", "less than once a year"),
        ("H H H * *", "only supported in the minute and hour"),
        ("61 * * * *", "out of range"),
    ],
)
def test_invalid_cron(cron_text: str, fragment: str) -> None:
    line, col, rule, message, _ = _one(CLUSTER.replace("H H(0-5) * * *", cron_text))
    assert (line, col, rule) == (16, 38, "BP204")
    assert fragment in message


def test_invalid_timezone() -> None:
    text = CLUSTER.replace("spec:\n", "spec:\n  timezone: Europe/Zurch\n")
    line, col, rule, message, _ = _one(text)
    assert (line, col, rule) == (5, 13, "BP204")
    assert "IANA" in message


def test_every_error_of_a_document_is_reported() -> None:
    text = (
        SERVICE.replace("  owner: ops\n", "")
        .replace("storage: longhorn", "storage: nfs")
        .replace("  name: web", "  name: WEB")
        + "  extra: 1\n"
    )
    assert sorted(p.rule for p in _problems(text)) == ["BP200", "BP201", "BP203", "BP204"]


def test_did_you_mean() -> None:
    assert did_you_mean("garag", ["nas", "garage"]) == "did you mean 'garage'?"
    assert did_you_mean("zzz", ["nas", "garage"]) == ""


def test_pattern_errors_explain_the_form_in_the_hint() -> None:
    mount = SERVICE.replace("      claim: web-data", "      claim: web-data\n      mountPath: data")
    assert _one(mount)[4] == "expected an absolute path, e.g. /data/app.db"
    escape = SERVICE.replace("  storage: longhorn", "  storage: longhorn\n  appPath: ../../etc")
    line, col, rule, message, hint = _one(escape)
    assert (line, col, rule) == (10, 12, "BP204") and "'../../etc'" in message
    assert hint.startswith("expected the app folder relative to the output root")
