"""diff --base REF: what a change does to protection, item by item, against a real git ref."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pytest import MonkeyPatch

from compiler import write
from compiler.core.diagnostics import Diagnostic
from compiler.tree import parse_cache
from compiler.tree.nodes import read_documents
from tests.conftest import RunCli, require_tool
from tests.support.documents import documented, shape
from tests.support.files import copy_example

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
PAPERLESS = "policies/services/paperless.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The example in a git repository of its own, committed."""
    require_tool("git", shutil.which("git") is not None)
    copy_example(tmp_path)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "base"]):
        subprocess.run([*GIT, *args], cwd=tmp_path, check=True, capture_output=True)
    return tmp_path


def _replace(path: Path, old: str, new: str) -> None:
    """``old`` (which must be there) replaced by ``new``, its first occurrence."""
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def _edit(repo: Path, old: str, new: str) -> None:
    _replace(repo / PAPERLESS, old, new)


def _unchanged(repo: Path, run_cli: RunCli) -> None:
    """diff passes, saying nothing changed."""
    result = run_cli("diff", "--base", "HEAD", cwd=repo)
    assert result.exit_code == 0 and "no change to protection since HEAD" in result.output, (
        result.output
    )


def test_no_change_is_clean(repo: Path, run_cli: RunCli) -> None:
    _unchanged(repo, run_cli)


def test_every_documented_field_on_every_outcome(
    repo: Path, run_cli: RunCli, monkeypatch: MonkeyPatch
) -> None:
    """docs/formats.md: diff's fields are there also when it stops early: a work tree whose
    policies do not compile, or an output tree another run is writing (whose document
    once carried compile's fields instead of diff's)."""

    def document() -> dict[str, Any]:
        done = run_cli("diff", "--base", "HEAD", "--format", "json", cwd=repo)
        parsed: dict[str, Any] = json.loads(done.stdout)
        assert parsed["exitCode"] == done.exit_code
        return parsed

    documents = {"clean": document()}
    _edit(repo, "classification: critical", "classification: critcal")
    documents["broken"] = document()
    busy = Diagnostic("out/.backup-policy", 1, 1, "error", "BP407", "another run is writing")
    monkeypatch.setattr(write, "recover", lambda *_: write.Recovered(problems=(busy,)))
    documents["unsettled"] = document()
    for outcome, found in documents.items():
        assert shape(found) == documented("diff"), outcome
    assert [found["exitCode"] for found in documents.values()] == [0, 1, 1]
    unsettled = documents["unsettled"]
    assert [d["rule"] for d in unsettled["diagnostics"]] == ["BP407"]
    assert (unsettled["base"], unsettled["basePolicies"]) == ("HEAD", None)
    assert unsettled["items"] == unsettled["baseErrors"] == []
    assert unsettled["summary"] == {"errors": 1, "warnings": 0, "changed": 0, "weakened": 0}


def _weakened_data(repo: Path, run_cli: RunCli, reasons: str) -> None:
    """diff fails, with BP500 on paperless's data PVC for exactly ``reasons``."""
    result = run_cli("diff", "--base", "HEAD", cwd=repo)
    assert result.exit_code == 1
    assert (
        f"{PAPERLESS}:20:7: error [BP500] productivity/paperless pvc/paperless-data: "
        f"protection weakened since HEAD: {reasons}\n"
    ) in result.output


def test_a_removed_method_is_a_weakened_protection(repo: Path, run_cli: RunCli) -> None:
    _edit(repo, "methods: [longhorn, k8up, velero]", "methods: [longhorn, velero]")
    _weakened_data(
        repo,
        run_cli,
        "method k8up removed; "
        + "; ".join(
            f"alert {name} removed"
            for name in ("K8upBackupMissing", "K8upBackupStale", "K8upJobFailed")
        )
        + "; separate targets 2 -> 1",  # garage held K8up's copy alone
    )
    document = json.loads(run_cli("diff", "--base", "HEAD", "--format", "json", cwd=repo).output)
    assert document["summary"]["weakened"] == 3 and document["base"] == "HEAD"
    item = document["items"][0]
    assert "k8up" in item["before"]["methods"] and "k8up" not in item["after"]["methods"]
    assert (item["before"]["separateTargets"], item["after"]["separateTargets"]) == (2, 1)
    assert item["before"]["offsiteTargets"] == item["after"]["offsiteTargets"] == 1
    comment = run_cli("diff", "--base", "HEAD", "--format", "markdown", cwd=repo)
    assert comment.output.count("⚠️ weakened: method k8up removed") == 3


def test_a_side_with_errors_reports_only_the_items_that_changed(
    repo: Path, run_cli: RunCli
) -> None:
    """Without Longhorn paperless misses its RPO (BP350): no files, so no alerts to compare;
    the other services' items are unchanged and must not be listed."""
    _edit(repo, "methods: [longhorn, k8up, velero]", "methods: [k8up, velero]")
    document = json.loads(run_cli("diff", "--base", "HEAD", "--format", "json", cwd=repo).output)
    assert "BP350" in {d["rule"] for d in document["diagnostics"]}
    assert {(i["service"], i["item"]) for i in document["items"]} == {
        ("productivity/paperless", "pvc/paperless-data"),
        ("productivity/paperless", "pvc/paperless-media"),
        ("productivity/paperless", "sqlite:/data/db.sqlite3"),
    }


def test_a_shorter_declared_rpo_is_stronger_not_weakened(repo: Path, run_cli: RunCli) -> None:
    path = repo / "policies/services/python-ipam.yaml"
    path.write_text(
        path.read_text().replace("  methods: [k8up]\n", "  methods: [k8up]\n  rpo: 12h\n")
    )
    result = run_cli("diff", "--base", "HEAD", cwd=repo)
    assert "declared RPO shorter" in result.output and "weakened" not in result.output
    assert "RPO 10s -> 10s (declared 1d -> 12h)" in result.output


def test_an_unknown_ref_is_a_usage_error(repo: Path, run_cli: RunCli) -> None:
    result = run_cli("diff", "--base", "no-such-ref", cwd=repo)
    assert result.exit_code == 2
    assert result.output == "backup-policy: git cannot read 'no-such-ref': no such commit\n"
    tree = run_cli("diff", "--base", "HEAD:policies", cwd=repo)  # a folder, not a commit
    assert tree.exit_code == 2 and "git cannot read 'HEAD:policies'" in tree.output


def test_a_ref_git_would_read_as_an_option_is_refused_before_git_runs(
    repo: Path, run_cli: RunCli, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """`git archive --output=FILE` writes FILE: such a ref must never reach git."""
    outside = tmp_path_factory.mktemp("outside") / "archive.tar"
    cluster = repo / "policies/cluster.yaml"
    committed = cluster.read_bytes()
    for ref in (f"--output={outside}", "--output=policies/cluster.yaml", "--help"):
        result = run_cli("diff", "--base", ref, cwd=repo)
        assert result.exit_code == 2, ref
        assert result.output == f"backup-policy: --base {ref!r}: a git ref cannot start with '-'\n"
    assert not outside.exists()
    assert cluster.read_bytes() == committed
    document = json.loads(run_cli("diff", "--base=--help", "--format", "json", cwd=repo).stdout)
    assert document["exitCode"] == 2 and document["error"] == (
        "--base '--help': a git ref cannot start with '-'"
    )


def test_a_broken_work_tree_is_not_compared(repo: Path, run_cli: RunCli) -> None:
    _edit(repo, "classification: critical", "classification: critcal")
    result = run_cli("diff", "--base", "HEAD", cwd=repo)
    assert result.exit_code == 1 and "error [BP203]" in result.output
    assert "no comparison: the policies of the work tree do not compile" in result.output


def test_the_base_reads_the_work_trees_parse_cache_and_keeps_none(
    repo: Path, run_cli: RunCli, tmp_path_factory: pytest.TempPathFactory, monkeypatch: MonkeyPatch
) -> None:
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    assert run_cli("check", cwd=repo).exit_code == 0  # the work tree's cache, complete
    parsed: list[str] = []

    def counted(text: str) -> object:
        parsed.append(text)
        return read_documents(text)

    monkeypatch.setattr(parse_cache, "read_documents", counted)
    result = run_cli("diff", "--base", "HEAD", cwd=repo)
    assert result.exit_code == 0, result.output
    assert parsed == []  # both sides found every file of the tree in the work tree's cache
    assert len(list((cache / "backup-policy" / "documents").glob("*.bin"))) == 1


def _commit(repo: Path, message: str) -> None:
    for args in (["add", "-A"], ["commit", "-qm", message]):
        subprocess.run([*GIT, *args], cwd=repo, check=True, capture_output=True)


def _body(output: str) -> str:
    """The command's own output: what follows the diagnostics (and their hints)."""
    lines = output.splitlines(keepends=True)
    return "".join(line for line in lines if not re.match(r"\S+:\d+:\d+: |    hint: ", line))


def test_a_base_without_policies_protected_nothing_so_every_item_is_new(
    tmp_path: Path, run_cli: RunCli
) -> None:
    """Adopting backup-policy: HEAD has no policies/ yet; the change adds every item."""
    require_tool("git", shutil.which("git") is not None)
    subprocess.run([*GIT, "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "README.md").write_text("a cluster\n")
    _commit(tmp_path, "before backup-policy")
    copy_example(tmp_path)
    result = run_cli("diff", "--base", "HEAD", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    body = _body(result.output)
    assert body.startswith("HEAD has no policy folder: every data item is new\n")
    assert (
        "productivity/paperless pvc/paperless-data: item protected\n"
        "    methods none -> k8up, longhorn-backup, longhorn-snapshot; RPO none -> 1h\n"
    ) in body
    assert body.count(": item protected\n") == 14 and "weakened" not in body
    document = json.loads(
        run_cli("diff", "--base", "HEAD", "--format", "json", cwd=tmp_path).stdout
    )
    assert document["exitCode"] == 0 and "error" not in document
    assert document["summary"]["errors"] == 0
    assert (document["summary"]["changed"], document["summary"]["weakened"]) == (14, 0)
    assert (document["base"], document["basePolicies"]) == ("HEAD", False)
    assert document["baseErrors"] == []
    assert len(document["items"]) == 14
    for item in document["items"]:
        assert item["before"] is None and item["after"] is not None, item
        assert (item["weakened"], item["strengthened"]) == ([], ["item protected"]), item
    comment = run_cli("diff", "--base", "HEAD", "--format", "markdown", cwd=tmp_path)
    assert comment.exit_code == 0
    assert comment.stdout.startswith(
        "<!-- backup-policy diff -->\n### backup-policy: protection changes since `HEAD`\n\n"
        "`HEAD` has no policy folder: every data item is new.\n\n| service |"
    )
    assert comment.stdout.endswith("\n\nNothing is weakened.\n")


BROKEN = (
    "HEAD:policies/services/paperless.yaml:8:19: error [BP203] spec.classification: "
    "'critcal' is not one of critical, important, best-effort"
)


def test_a_base_whose_policies_do_not_compile_fails_and_says_why(
    repo: Path, run_cli: RunCli
) -> None:
    """The ref has an error the work tree fixes: nothing can be compared, and the run
    must not pass as if nothing was weakened."""
    _edit(repo, "classification: critical", "classification: critcal")
    _commit(repo, "broken")
    _edit(repo, "classification: critcal", "classification: critical")
    result = run_cli("diff", "--base", "HEAD", cwd=repo)
    assert result.exit_code == 1
    assert (
        "policies:1:1: error [BP501] the policies of HEAD do not compile (1 error), so no item "
        f"is compared; the first: {BROKEN}\n"
        "    hint: compare with a ref whose policies compile; a change that fixes them has "
        "nothing to be compared with: review it by hand\n"
    ) in result.output
    assert _body(result.output) == (
        f"no comparison: the policies of HEAD do not compile:\n    {BROKEN}\n"
    )
    document = json.loads(run_cli("diff", "--base", "HEAD", "--format", "json", cwd=repo).stdout)
    assert document["exitCode"] == 1 and "error" not in document
    assert document["summary"]["errors"] == 1
    assert (document["summary"]["changed"], document["summary"]["weakened"]) == (0, 0)
    assert [d["rule"] for d in document["diagnostics"] if d["level"] == "error"] == ["BP501"]
    assert document["basePolicies"] is True and document["items"] == []
    assert document["baseErrors"] == [
        {
            "file": "policies/services/paperless.yaml",
            "line": 8,
            "col": 19,
            "level": "error",
            "rule": "BP203",
            "message": "spec.classification: 'critcal' is not one of critical, important, "
            "best-effort",
            "hint": "did you mean 'critical'?",
        }
    ]
    comment = run_cli("diff", "--base", "HEAD", "--format", "markdown", cwd=repo)
    assert comment.exit_code == 1
    assert comment.stdout == (
        "<!-- backup-policy diff -->\nno comparison: the policies of `HEAD` do not compile:\n\n"
        f"```text\n{BROKEN}\n```\n"
    )


def test_a_base_with_many_errors_lists_the_first_five(repo: Path, run_cli: RunCli) -> None:
    services = sorted((repo / "policies/services").glob("*.yaml"))
    for path in services:
        path.write_text(path.read_text().replace("kind: ServicePolicy", "kind: ServicePolicyy"))
    _commit(repo, "every service broken")
    subprocess.run([*GIT, "checkout", "-q", "HEAD~1", "--", "policies"], cwd=repo, check=True)
    result = run_cli("diff", "--base", "HEAD", cwd=repo)
    assert result.exit_code == 1
    body = _body(result.output).splitlines()
    assert body[0] == "no comparison: the policies of HEAD do not compile:"
    assert [line.split(":")[1] for line in body[1:6]] == [
        f"policies/services/{path.name}" for path in services[:5]
    ]
    assert body[6:] == [f"    ... and {len(services) - 5} more (--format json lists all)"]
    document = json.loads(run_cli("diff", "--base", "HEAD", "--format", "json", cwd=repo).stdout)
    assert len(document["baseErrors"]) == len(services)


def test_alerts_that_page_less_urgently_are_a_weakened_protection(
    repo: Path, run_cli: RunCli
) -> None:
    """A critical service moved to important (its RPO with it) keeps every alert, each now
    a warning: the names alone would not show it; the severities make it weakened (and the
    reverse move stronger)."""
    _edit(repo, "classification: critical", "classification: important")
    _edit(repo, "rpo: 1h", "rpo: 24h")
    result = run_cli("diff", "--base", "HEAD", "--format", "json", cwd=repo)
    document = json.loads(result.output)
    data = next(i for i in document["items"] if i["item"] == "pvc/paperless-data")
    before, after = data["before"]["alertSeverities"], data["after"]["alertSeverities"]
    assert set(before.values()) == {"critical"} and set(after.values()) == {"warning"}
    count = len(before.keys() & after.keys())
    assert count > 5
    assert f"severity critical -> warning ({count} alerts)" in data["weakened"]
    assert result.exit_code == 1
    subprocess.run([*GIT, "commit", "-qam", "important"], cwd=repo, check=True)
    _edit(repo, "classification: important", "classification: critical")
    back = json.loads(run_cli("diff", "--base", "HEAD", "--format", "json", cwd=repo).output)
    strengthened = next(i for i in back["items"] if i["item"] == "pvc/paperless-data")
    assert f"severity warning -> critical ({count} alerts)" in strengthened["strengthened"]


def _cluster_edit(repo: Path, old: str, new: str) -> None:
    _replace(repo / "policies" / "cluster.yaml", old, new)


def test_a_retention_rule_that_keeps_fewer_copies_is_a_weakened_protection(
    repo: Path, run_cli: RunCli
) -> None:
    """Methods, RPOs and alerts unchanged, but the critical class's K8up keeps 6 monthly
    snapshots instead of 12: a restore can no longer go back as far."""
    _cluster_edit(repo, "keepMonthly: 12}", "keepMonthly: 6}")
    _weakened_data(repo, run_cli, "k8up keepMonthly 12 -> 6")
    document = json.loads(run_cli("diff", "--base", "HEAD", "--format", "json", cwd=repo).output)
    item = next(i for i in document["items"] if i["item"] == "pvc/paperless-data")
    assert item["before"]["retention"]["k8up"]["keepMonthly"] == 12
    assert item["after"]["retention"]["k8up"]["keepMonthly"] == 6
    assert item["before"]["retention"]["longhorn-backup"] == {
        "retain": 24,
        "retain (weekly)": 8,
    }
    assert item["weakened"] == ["k8up keepMonthly 12 -> 6"]
    comment = run_cli("diff", "--base", "HEAD", "--format", "markdown", cwd=repo).output
    assert "| ⚠️ weakened: k8up keepMonthly 12 → 6 |" in comment  # the table's arrows


@pytest.mark.parametrize(
    ("old", "new", "weakened", "strengthened"),
    [
        # fewer copies over a sparser schedule: weaker, whatever the gaps say
        (
            "backup: H H(0-5) * * *\n        check: H H(8-20) * * 0\n        prune: H H(8-20) "
            "* * 6\n        window: 1h\n        retention: {keepLast: 5, keepDaily: 14, "
            "keepWeekly: 8, keepMonthly: 12}",
            "backup: H H(0-5) * * 1-5\n        check: H H(8-20) * * 0\n        prune: H "
            "H(8-20) * * 6\n        window: 1h\n        retention: {keepLast: 5, keepDaily: 14, "
            "keepWeekly: 8}",
            ["k8up keepMonthly 12 -> none"],
            [],
        ),
        # a Longhorn tier dropped; the other tier keeps more
        (
            '- {schedule: "H * * * *", retain: 24}\n          - {tier: weekly, schedule: '
            '"H H(0-5) * * 0", retain: 8}',
            '- {schedule: "H * * * *", retain: 48}',
            ["longhorn-backup retain (weekly) 8 -> none"],
            ["longhorn-backup retain 24 -> 48"],
        ),
    ],
    ids=["k8up-rule-dropped", "longhorn-tier-dropped"],
)
def test_each_retention_rule_is_judged_on_its_own(
    repo: Path,
    run_cli: RunCli,
    old: str,
    new: str,
    weakened: list[str],
    strengthened: list[str],
) -> None:
    """restic forget and Longhorn's tiers keep the union of what each rule keeps: a rule
    that keeps less is a weakening even when another keeps more or the schedule changes."""
    _cluster_edit(repo, old, new)
    document = json.loads(run_cli("diff", "--base", "HEAD", "--format", "json", cwd=repo).output)
    item = next(i for i in document["items"] if i["item"] == "pvc/paperless-data")
    assert [w for w in item["weakened"] if "RPO" not in w] == weakened
    assert [s for s in item["strengthened"] if "RPO" not in s] == strengthened


def test_a_namespace_whose_velero_alerts_page_less_is_weakened(repo: Path, run_cli: RunCli) -> None:
    """Velero copies no data item: it backs up the namespace, and its alerts live in a
    shared folder, labelled with the namespace. paperless, the critical service of
    productivity, leaves Velero; the namespace's Schedule stays for the others, and its
    alerts now page as warnings for every service there, and it keeps its backups as long
    as the important class says. (The Velero restore test never counted for the PVC: its
    drill restores the namespace's objects, not the volume's data.)"""
    _edit(repo, "methods: [longhorn, k8up, velero]", "methods: [longhorn, k8up]")
    document = json.loads(run_cli("diff", "--base", "HEAD", "--format", "json", cwd=repo).output)
    items = {(i["service"], i["item"]): i for i in document["items"]}
    data = items[("productivity/paperless", "pvc/paperless-data")]
    before, after = data["before"]["alertSeverities"], data["after"]["alertSeverities"]
    velero = sorted(name for name in before if name.startswith("Velero"))
    assert velero and {before[n] for n in velero} == {"critical"}
    assert {after[n] for n in velero} == {"warning"}
    assert data["weakened"] == [
        f"severity critical -> warning ({len(velero)} alerts)",
        "velero backup ttl 30d -> 14d",  # the Schedule follows linkding's class now
    ]
    assert ("productivity/linkding", "sqlite:/etc/linkding/data/db.sqlite3") in items
    assert document["summary"]["weakened"] == len(items)


def test_a_target_no_longer_offsite_is_a_weakened_protection(repo: Path, run_cli: RunCli) -> None:
    """Methods, targets, schedules and alerts unchanged; the NAS is no longer offsite: the
    items copied there have no copy that survives losing the site (3-2-1's last 1)."""
    _cluster_edit(
        repo,
        "type: longhorn-backup-target\n      name: default\n      offsite: true",
        "type: longhorn-backup-target\n      name: default\n      offsite: false",
    )
    _weakened_data(repo, run_cli, "offsite targets 1 -> 0")


def _plan_edit(repo: Path, old: str, new: str) -> None:
    plan = repo / "policies" / "restore-tests.yaml"
    assert plan.read_text().count(old) == 1, old
    _replace(plan, old, new)


def _items(repo: Path, run_cli: RunCli) -> dict[tuple[str, str], dict[str, Any]]:
    document = json.loads(run_cli("diff", "--base", "HEAD", "--format", "json", cwd=repo).output)
    return {(i["service"], i["item"]): i for i in document["items"]}


def test_a_restore_test_whose_scope_no_longer_names_the_service_is_a_weakened_protection(
    repo: Path, run_cli: RunCli
) -> None:
    """BT-LS-01 covers spoolman by its scope alone (spoolman's ``restoreTests`` does not
    list it): narrowed to linkding, spoolman's database has no Litestream restore test."""
    scope = "services: [productivity/linkding, tools/spoolman]"
    _plan_edit(repo, scope, "services: [productivity/linkding]")
    items = _items(repo, run_cli)
    assert list(items) == [("tools/spoolman", "sqlite:/home/app/.local/share/spoolman/spoolman.db")]
    item = items[("tools/spoolman", "sqlite:/home/app/.local/share/spoolman/spoolman.db")]
    assert (item["before"]["restoreTests"], item["after"]["restoreTests"]) == (
        ["BT-DR-01", "BT-LS-01"],
        ["BT-DR-01"],
    )
    assert item["weakened"] == ["restore test BT-LS-01 removed"]
    assert run_cli("diff", "--base", "HEAD", cwd=repo).exit_code == 1


def test_a_restore_test_that_must_pass_less_often_is_a_weakened_protection(
    repo: Path, run_cli: RunCli
) -> None:
    """BT-LH-01 quarterly -> yearly: a broken Longhorn restore of paperless and n8n goes
    unseen for nine months longer; the way back is stronger."""
    scope = "services: [productivity/paperless, automation/n8n]\n      frequency: "
    _plan_edit(repo, scope + "quarterly", scope + "yearly")
    items = _items(repo, run_cli)
    assert {service for service, _ in items} == {"productivity/paperless", "automation/n8n"}
    for item in items.values():
        assert item["before"]["restoreTestFrequencies"]["BT-LH-01"] == "quarterly"
        assert item["after"]["restoreTestFrequencies"]["BT-LH-01"] == "yearly"
        assert item["weakened"] == ["restore test BT-LH-01 quarterly -> yearly"]
    _weakened_data(repo, run_cli, "restore test BT-LH-01 quarterly -> yearly")
    subprocess.run([*GIT, "commit", "-qam", "yearly"], cwd=repo, check=True)
    _plan_edit(repo, scope + "yearly", scope + "quarterly")
    back = _items(repo, run_cli)
    assert {tuple(i["strengthened"]) for i in back.values()} == {
        ("restore test BT-LH-01 yearly -> quarterly",)
    }


def test_a_longer_grace_period_and_rto_are_a_weakened_protection(
    repo: Path, run_cli: RunCli
) -> None:
    """The plan's grace period lets every late test pass for longer: each item a test
    covers is weakened (none other); paperless's longer RTO is a weaker promise too."""
    _plan_edit(repo, "gracePeriod: 14d", "gracePeriod: 30d")
    _edit(repo, "rto: 4h", "rto: 8h")
    items = _items(repo, run_cli)
    covered = {key for key, item in items.items() if item["before"]["restoreTests"]}
    assert covered == set(items) and len(items) > 10
    for (service, _), item in items.items():
        assert item["before"]["restoreGracePeriodSeconds"] == 14 * 86_400
        assert item["after"]["restoreGracePeriodSeconds"] == 30 * 86_400
        expected = ["restore test grace period 14d -> 30d"]
        if service == "productivity/paperless":
            expected.insert(0, "declared RTO longer")
            assert (item["before"]["declaredRtoSeconds"], item["after"]["declaredRtoSeconds"]) == (
                4 * 3_600,
                8 * 3_600,
            )
        assert item["weakened"] == expected


@pytest.mark.parametrize(
    ("old", "new", "item", "reasons"),
    [
        # restic check monthly instead of weekly: a damaged pack goes unseen for longer
        (
            "check: H H(8-20) * * 0\n        prune: H H(8-20) * * 6\n        window: 1h\n"
            "        retention: {keepLast",
            "check: H H(8-20) 1 * *\n        prune: H H(8-20) * * 6\n        window: 1h\n"
            "        retention: {keepLast",
            ("productivity/paperless", "pvc/paperless-data"),
            ["k8up check every 7d -> 31d"],
        ),
        # productivity's Velero Schedule (every object of the namespace, whichever service
        # lists Velero): weekly, kept a week
        (
            "schedule: H H(0-5) * * *\n        ttl: 30d",
            "schedule: H H(0-5) * * 0\n        ttl: 7d",
            ("productivity/miniflux", "postgres:miniflux-db"),
            ["velero backup ttl 30d -> 7d", "velero backup every 1d -> 7d"],
        ),
        # the restore verification of the important class's databases: weekly
        (
            'verify: {schedule: "H H(6-9) * * *"',
            'verify: {schedule: "H H(6-9) * * 1"',
            ("productivity/linkding", "sqlite:/etc/linkding/data/db.sqlite3"),
            ["litestream verify every 1d -> 7d"],
        ),
        # and none at all
        (
            '      litestream:\n        verify: {schedule: "H H(6-9) * * *", deadline: 1h}\n',
            "",
            ("productivity/linkding", "sqlite:/etc/linkding/data/db.sqlite3"),
            [
                *(f"alert BackupPolicyCronJob{a} removed" for a in ("Failed", "NeverSucceeded")),
                "alert BackupPolicyCronJobStale removed",  # the CronJob's alerts go with it
                "litestream verify removed",
            ],
        ),
        # 0.3's validation of every replica: every three days
        (
            "validationInterval: 24h",
            "validationInterval: 72h",
            ("tools/spoolman", "sqlite:/home/app/.local/share/spoolman/spoolman.db"),
            ["litestream validation every 1d -> 3d"],
        ),
    ],
    ids=["k8up-check", "velero-schedule-and-ttl", "litestream-verify", "no-verify", "validation"],
)
def test_a_routine_that_runs_less_often_or_keeps_less_is_a_weakened_protection(
    repo: Path,
    run_cli: RunCli,
    old: str,
    new: str,
    item: tuple[str, str],
    reasons: list[str],
) -> None:
    """The jobs beyond the copies (a check of them, a backup of the service's objects)
    are compared by name: their worst gap and what they keep. The reverse change is
    stronger."""
    _cluster_edit(repo, old, new)
    items = _items(repo, run_cli)
    assert items[item]["weakened"] == reasons
    assert run_cli("diff", "--base", "HEAD", cwd=repo).exit_code == 1
    subprocess.run([*GIT, "commit", "-qam", "weaker"], cwd=repo, check=True)
    subprocess.run([*GIT, "checkout", "-q", "HEAD~1", "--", "policies"], cwd=repo, check=True)
    back = _items(repo, run_cli)
    assert back[item]["weakened"] == []
    assert len(back[item]["strengthened"]) == len(reasons)


def test_checks_of_a_method_apply_to_the_items_it_copies_and_go_with_it(
    repo: Path, run_cli: RunCli
) -> None:
    """A PVC of a service with a verified database is not verified by Litestream: the
    routine is on the database alone. A service that leaves K8up loses its check with the
    method: "method k8up removed" says it, no "k8up check removed" beside it."""
    _cluster_edit(
        repo, 'verify: {schedule: "H H(6-9) * * *"', 'verify: {schedule: "H H(6-9) * * 1"'
    )
    items = _items(repo, run_cli)
    assert ("media/audiobookshelf", "sqlite:/config/absdatabase.sqlite") in items
    assert ("media/audiobookshelf", "pvc/audiobookshelf-config") not in items
    subprocess.run([*GIT, "checkout", "-q", "--", "policies"], cwd=repo, check=True)
    _edit(repo, "methods: [longhorn, k8up, velero]", "methods: [longhorn, velero]")
    data = _items(repo, run_cli)[("productivity/paperless", "pvc/paperless-data")]
    assert (
        "k8up check" in data["before"]["routines"] and "k8up check" not in data["after"]["routines"]
    )
    assert not [r for r in data["weakened"] if "k8up check" in r]


def test_each_routine_is_in_the_json_with_its_gap_and_what_it_keeps(
    repo: Path, run_cli: RunCli
) -> None:
    """docs/formats.md: ``routines`` maps each name to ``gapSeconds`` and ``retention``."""
    _cluster_edit(repo, "ttl: 30d", "ttl: 7d")
    item = _items(repo, run_cli)[("productivity/paperless", "pvc/paperless-data")]
    day = 86_400
    assert item["before"]["routines"] == {
        "k8up check": {"gapSeconds": 7 * day, "offsite": False, "volumes": False, "retention": {}},
        "velero backup": {
            "gapSeconds": day,
            "offsite": False,
            "volumes": False,
            "retention": {"ttl": 30 * day},
        },
    }
    assert item["after"]["routines"]["velero backup"]["retention"] == {"ttl": 7 * day}
    assert item["weakened"] == ["velero backup ttl 30d -> 7d"]


def test_a_base_with_an_empty_tree_protected_nothing(tmp_path: Path, run_cli: RunCli) -> None:
    """A repository's first commit made with ``--allow-empty``: git archives its empty tree
    as zero blocks, which tarfile refuses; it has no policy folder, so every item is new."""
    require_tool("git", shutil.which("git") is not None)
    for args in (["init", "-q"], ["commit", "-q", "--allow-empty", "-m", "init"]):
        subprocess.run([*GIT, *args], cwd=tmp_path, check=True, capture_output=True)
    copy_example(tmp_path)
    result = run_cli("diff", "--base", "HEAD", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "HEAD has no policy folder: every data item is new" in result.output


def test_a_bar_in_an_item_name_stays_in_its_cell_of_the_comment(
    repo: Path, run_cli: RunCli
) -> None:
    """GitHub splits a table row on every ``|``, in code too: escaped, the row keeps its
    seven cells."""
    path = repo / "policies/services/audiobookshelf.yaml"
    path.write_text(path.read_text().replace("/config/absdatabase.sqlite", "/config/abs|db.sqlite"))
    comment = run_cli("diff", "--base", "HEAD", "--format", "markdown", cwd=repo).output
    rows = [line for line in comment.splitlines() if "abs\\|db.sqlite" in line]
    assert rows, comment
    for row in rows:
        assert len(re.split(r"(?<!\\)\|", row)) == 9  # seven cells between eight bars


def test_a_tools_alerts_and_restore_tests_are_on_the_items_it_copies(
    repo: Path, run_cli: RunCli
) -> None:
    """The important class drops its restore verification: its CronJob's alerts go from
    the databases only, not from the PVCs beside them (no BP500 to acknowledge there).
    BT-LS-01 becomes a Velero drill: it no longer restores linkding's database, whose only
    copy is Litestream's, though it still covers linkding (which lists Velero)."""
    _cluster_edit(
        repo, '      litestream:\n        verify: {schedule: "H H(6-9) * * *", deadline: 1h}\n', ""
    )
    items = _items(repo, run_cli)
    assert {item for _, item in items if item.startswith("pvc/")} == set()
    assert ("media/audiobookshelf", "sqlite:/config/absdatabase.sqlite") in items
    subprocess.run([*GIT, "checkout", "-q", "--", "policies"], cwd=repo, check=True)
    _plan_edit(repo, "type: litestream", "type: velero-namespace")
    items = _items(repo, run_cli)
    linkding = items[("productivity/linkding", "sqlite:/etc/linkding/data/db.sqlite3")]
    assert linkding["weakened"] == ["restore test BT-LS-01 removed"]
    assert linkding["after"]["restoreTests"] == ["BT-DR-01"]


def _commit_a_velero_tier(repo: Path) -> None:
    """The critical class's Velero gets a weekly tier kept 90 days, committed."""
    tier = '          - {tier: weekly, schedule: "H H(0-5) * * 0", ttl: 90d}\n'
    _cluster_edit(repo, "        ttl: 30d\n", "        ttl: 30d\n        tiers:\n" + tier)
    subprocess.run([*GIT, "commit", "-qam", "a velero tier"], cwd=repo, check=True)


@pytest.mark.parametrize(
    ("path", "old", "new"),
    [
        # a Velero tier renamed: bp-productivity-sunday does what bp-productivity-weekly did
        (
            "policies/cluster.yaml",
            'tier: weekly, schedule: "H H(0-5) * * 0", ttl: 90d',
            'tier: sunday, schedule: "H H(0-5) * * 0", ttl: 90d',
        ),
        # a restore test renamed
        ("policies/restore-tests.yaml", "id: BT-LS-01", "id: BT-LS-02"),
    ],
    ids=["velero-tier", "restore-test"],
)
def test_a_rename_that_keeps_everything_is_no_change(
    repo: Path, run_cli: RunCli, path: str, old: str, new: str
) -> None:
    """The old name is gone and a new one does all it did: neither "removed" (a BP500 to
    acknowledge for nothing) nor "added"."""
    _commit_a_velero_tier(repo)
    assert (repo / path).read_text().count(old) == 1, old
    _replace(repo / path, old, new)
    _unchanged(repo, run_cli)


def test_a_velero_schedule_no_longer_offsite_and_both_reasons_shown(
    repo: Path, run_cli: RunCli
) -> None:
    """productivity's objects backed up to a location no longer offsite: weaker for every
    item of the namespace. The text verdict shows what is stronger too."""
    location = "type: velero-storage-location\n      name: default\n      offsite: "
    _cluster_edit(repo, location + "false", location + "true")
    subprocess.run([*GIT, "commit", "-qam", "offsite"], cwd=repo, check=True)
    _cluster_edit(repo, location + "true", location + "false")
    _cluster_edit(
        repo, "schedule: H H(0-5) * * *\n        ttl: 30d", "schedule: H * * * *\n        ttl: 30d"
    )
    items = _items(repo, run_cli)
    miniflux = items[("productivity/miniflux", "postgres:miniflux-db")]
    assert miniflux["weakened"] == ["velero backup no longer offsite"]
    assert miniflux["strengthened"] == ["velero backup every 1d -> 1h"]
    text = run_cli("diff", "--base", "HEAD", cwd=repo).output
    assert (
        "productivity/miniflux postgres:miniflux-db: weakened: velero backup no longer "
        "offsite; also: velero backup every 1d -> 1h\n"
    ) in text


def test_a_rename_that_keeps_less_is_still_a_removal(repo: Path, run_cli: RunCli) -> None:
    """The renamed Velero tier keeps its backups 30 days, not 90: the old one is removed
    (weaker), the new one added (stronger), both shown."""
    _commit_a_velero_tier(repo)
    _cluster_edit(
        repo,
        '{tier: weekly, schedule: "H H(0-5) * * 0", ttl: 90d}',
        '{tier: sunday, schedule: "H H(0-5) * * 0", ttl: 30d}',
    )
    item = _items(repo, run_cli)[("productivity/miniflux", "postgres:miniflux-db")]
    assert item["weakened"] == ["velero backup (weekly) removed"]
    assert item["strengthened"] == ["velero backup (sunday) added"]


def test_two_tiers_renamed_at_once_pair_as_they_were_renamed(repo: Path, run_cli: RunCli) -> None:
    """Weekly a -> d and daily b -> c: a pairing that took the first fitting one would give
    a the daily c and leave b "removed"."""
    tiers = (
        '          - {tier: a, schedule: "H H(0-5) * * 0", ttl: 90d}\n'
        '          - {tier: b, schedule: "H H(0-5) * * *", ttl: 90d}\n'
    )
    _cluster_edit(repo, "        ttl: 30d\n", "        ttl: 30d\n        tiers:\n" + tiers)
    subprocess.run([*GIT, "commit", "-qam", "two velero tiers"], cwd=repo, check=True)
    _cluster_edit(repo, "{tier: a,", "{tier: d,")
    _cluster_edit(repo, "{tier: b,", "{tier: c,")
    _unchanged(repo, run_cli)


def test_longhorn_tiers_renamed_with_their_schedules_swapped_are_weaker(
    repo: Path, run_cli: RunCli
) -> None:
    """Two Longhorn tiers renamed with their schedules swapped: the hourly copies are kept
    8 instead of 24, which a pairing by name and count would pass as a rename. The weekly
    tier's 8 copies live on in tier a (weekly, 24): that one is a rename."""
    _cluster_edit(
        repo,
        '          - {schedule: "H * * * *", retain: 24}\n'
        '          - {tier: weekly, schedule: "H H(0-5) * * 0", retain: 8}',
        '          - {tier: a, schedule: "H H(0-5) * * 0", retain: 24}\n'
        '          - {tier: b, schedule: "H * * * *", retain: 8}',
    )
    item = _items(repo, run_cli)[("productivity/paperless", "pvc/paperless-data")]
    assert item["weakened"] == ["longhorn-backup retain 24 -> none"]
    assert item["strengthened"] == ["longhorn-backup retain (b) none -> 8"]


def test_a_longhorn_tier_renamed_on_the_same_schedule_is_no_change(
    repo: Path, run_cli: RunCli
) -> None:
    """The weekly tier renamed ``sunday``, as many copies as far apart: nothing to
    acknowledge (it once read as a tier dropped and one added)."""
    _cluster_edit(repo, "{tier: weekly, schedule:", "{tier: sunday, schedule:")
    _unchanged(repo, run_cli)


def test_local_snapshots_taken_less_often_are_weaker(repo: Path, run_cli: RunCli) -> None:
    """Longhorn's snapshots every 30 minutes become weekly: they count for no RPO (they
    are on the volume), but a restore of a mistake an hour ago has lost them."""
    _cluster_edit(repo, 'snapshot: {schedule: "H/30 * * * *"', 'snapshot: {schedule: "H H * * 0"')
    item = _items(repo, run_cli)[("productivity/paperless", "pvc/paperless-data")]
    assert item["weakened"] == ["local copies every 30m -> 7d"]
    assert (item["before"]["localRpoSeconds"], item["after"]["localRpoSeconds"]) == (
        1_800,
        604_800,
    )


def test_a_grace_period_change_counts_beside_a_renamed_test(repo: Path, run_cli: RunCli) -> None:
    """python-ipam's only test is renamed (a rename, no reason) while the plan's grace
    period triples: it is still weaker."""
    _plan_edit(repo, "id: BT-DR-01", "id: BT-DR-02")
    _plan_edit(repo, "gracePeriod: 14d", "gracePeriod: 42d")
    for policy in (repo / "policies/services").glob("*.yaml"):
        policy.write_text(policy.read_text().replace("BT-DR-01", "BT-DR-02"))
    item = _items(repo, run_cli)[("network/python-ipam", "sqlite:/data/ipam.db")]
    assert item["weakened"] == ["restore test grace period 14d -> 42d"]


def test_a_velero_schedule_that_stops_snapshotting_volumes_is_weaker(
    repo: Path, run_cli: RunCli
) -> None:
    """productivity's Schedule took volume snapshots and no longer does: the volumes' data
    is left to the other methods."""
    _cluster_edit(repo, "        ttl: 30d\n", "        ttl: 30d\n        snapshotVolumes: true\n")
    subprocess.run([*GIT, "commit", "-qam", "snapshots"], cwd=repo, check=True)
    _cluster_edit(repo, "        snapshotVolumes: true\n", "")
    item = _items(repo, run_cli)[("productivity/paperless", "pvc/paperless-data")]
    assert item["weakened"] == ["velero backup no longer snapshots volumes"]
    assert item["before"]["routines"]["velero backup"]["volumes"] is True


@pytest.mark.parametrize(
    ("old", "new", "reason", "weaker"),
    [
        # the weekly tier made daily under the same retain: 8 weeks back become 8 days
        (
            '{tier: weekly, schedule: "H H(0-5) * * 0", retain: 8}',
            '{tier: weekly, schedule: "H H(0-5) * * *", retain: 8}',
            "longhorn-backup retain (weekly) reaches back 49d+ -> 8d at most",
            True,
        ),
        # and back: stronger
        (
            '{schedule: "H * * * *", retain: 24}',
            '{schedule: "H H * * *", retain: 24}',
            "longhorn-backup retain reaches back 1d at most -> 23d+",
            False,
        ),
    ],
    ids=["weekly-to-daily", "hourly-to-daily"],
)
def test_a_count_of_the_newest_copies_on_another_schedule_is_judged_by_its_reach(
    repo: Path, run_cli: RunCli, old: str, new: str, reason: str, weaker: bool
) -> None:
    """Longhorn's ``retain`` keeps the newest copies of its tier's schedule: the same count
    on a denser schedule reaches less far back, whatever the RPO says."""
    _cluster_edit(repo, old, new)
    item = _items(repo, run_cli)[("productivity/paperless", "pvc/paperless-data")]
    assert reason in (item["weakened"] if weaker else item["strengthened"])
