"""Stage 8, write: only changed files are written, hand-written files are never touched,
stale generated files are removed, modes are kept, nothing leaves the output root, and the
diff shows exactly what a compile would do. All-or-nothing writes: test_atomic_write.py."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from compiler.core import recovery
from compiler.core.generated import HEADER_MARK
from compiler.plan.wiring import with_component
from compiler.tree.read import read_tree
from compiler.write import Changes, apply, unified_diff
from compiler.write import compare as compare_tree
from tests.conftest import REPO, RunCli
from tests.support.files import is_generated

HEAD = f"{HEADER_MARK} from:\n#   policies/x.yaml\n# Do not edit.\n"
APP = "kubernetes/apps/apps/web"
BASE = REPO / "tests" / "cases" / "base"


def gen(body: str) -> str:
    return HEAD + body


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def compare(root: Path, outputs: dict[str, str]) -> Changes:
    """The write stage's comparison, with the tree read as the pipeline reads it."""
    return compare_tree(root, read_tree(root, "out"), outputs)


def _compile(root: Path, outputs: dict[str, str]) -> None:
    apply(compare(root, outputs))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    return out


def test_first_compile_writes_everything(root: Path) -> None:
    outputs = {f"{APP}/backup/a.yaml": gen("a: 1\n"), f"{APP}/backup/b.yaml": gen("b: 1\n")}
    changes = compare(root, outputs)
    assert changes.writes == outputs and changes.deletes == () and changes.unchanged == ()
    assert changes.drift
    apply(changes)
    assert _tree(root) == outputs


def test_a_write_cleans_up_with_the_journal_it_committed(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the commit the staging folder goes without its journal being read back (and
    its paths checked again): the run wrote that journal itself a moment before."""

    def unread(staging: Path, home: Path) -> None:
        raise AssertionError(f"{staging}'s journal was read back")

    monkeypatch.setattr(recovery, "read_journal", unread)
    (root / APP / "backup").mkdir(parents=True)
    (root / APP / "backup" / "stale.yaml").write_text(gen("x: 1\n"))
    changes = compare(root, {f"{APP}/backup/a.yaml": gen("a: 1\n")})
    assert changes.deletes == (f"{APP}/backup/stale.yaml",)
    written = apply(changes)
    assert written.problems == ()
    assert _tree(root) == {f"{APP}/backup/a.yaml": gen("a: 1\n")}  # no staging folder left


def test_unchanged_files_are_not_rewritten(root: Path) -> None:
    first = {f"{APP}/backup/a.yaml": gen("a: 1\n"), f"{APP}/backup/b.yaml": gen("b: 1\n")}
    _compile(root, first)
    past = 1_000_000_000
    for rel in first:
        os.utime(root / rel, ns=(past, past))
    inode = (root / f"{APP}/backup/a.yaml").stat().st_ino
    second = {**first, f"{APP}/backup/b.yaml": gen("b: 2\n")}
    changes = compare(root, second)
    assert list(changes.writes) == [f"{APP}/backup/b.yaml"]
    assert changes.unchanged == (f"{APP}/backup/a.yaml",)
    apply(changes)
    assert (root / f"{APP}/backup/a.yaml").stat().st_mtime_ns == past
    assert (root / f"{APP}/backup/a.yaml").stat().st_ino == inode
    assert (root / f"{APP}/backup/b.yaml").stat().st_mtime_ns != past
    assert _tree(root) == second


def test_a_fresh_compile_has_no_drift(root: Path) -> None:
    outputs = {f"{APP}/backup/a.yaml": gen("a: 1\n")}
    _compile(root, outputs)
    changes = compare(root, outputs)
    assert not changes.drift and changes.writes == {} and changes.deletes == ()
    assert unified_diff(changes, "out") == ""


def test_a_rewritten_file_keeps_its_mode_and_a_new_one_follows_the_umask(root: Path) -> None:
    kept = root / APP / "backup" / "a.yaml"
    _compile(root, {f"{APP}/backup/a.yaml": gen("a: 1\n")})
    kept.chmod(0o600)
    previous = os.umask(0o027)
    try:
        _compile(root, {f"{APP}/backup/a.yaml": gen("a: 2\n"), f"{APP}/new/b.yaml": gen("b\n")})
    finally:
        os.umask(previous)
    assert kept.read_text() == gen("a: 2\n") and stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE((root / APP / "new" / "b.yaml").stat().st_mode) == 0o640
    assert stat.S_IMODE((root / APP / "new").stat().st_mode) == 0o750


def test_files_are_written_with_unix_newlines_and_no_temporary_files(root: Path) -> None:
    _compile(root, {f"{APP}/backup/a.yaml": gen("a\nb\n")})
    assert (root / APP / "backup" / "a.yaml").read_bytes() == gen("a\nb\n").encode()
    assert [p.name for p in (root / APP / "backup").iterdir()] == ["a.yaml"]
    assert [p.name for p in root.parent.iterdir()] == ["out"]  # no staging folder left


@pytest.mark.parametrize(
    ("into", "reason"),
    [("outside", "leaves the output root"), ("out/elsewhere", "passes through the symbolic link")],
)
def test_a_write_through_a_symbolic_link_is_refused_before_anything_is_written(
    root: Path, tmp_path: Path, into: str, reason: str
) -> None:
    """BP406 reports the link first; the writer checks again right before staging."""
    (tmp_path / into).mkdir()
    (root / "kubernetes").mkdir()
    (root / "kubernetes" / "apps").symlink_to(tmp_path / into)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    changes = Changes(root, {f"{APP}/backup/a.yaml": gen("a\n"), "kubernetes/b.yaml": gen("b\n")})
    written = apply(changes, home=tmp_path, shown_root="out")
    assert [(d.file, d.rule) for d in written.problems] == [(f"out/{APP}/backup/a.yaml", "BP407")]
    assert reason in written.problems[0].message
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


@pytest.mark.parametrize("rel", ["../escape.yaml", "kubernetes/../../escape.yaml", "/etc/x"])
def test_a_path_that_leaves_the_output_root_is_refused(root: Path, rel: str) -> None:
    written = apply(Changes(root, {rel: gen("x\n")}), home=root.parent)
    assert [d.rule for d in written.problems] == ["BP407"]
    assert "leaves the output root" in written.problems[0].message
    assert sorted(p.name for p in root.parent.iterdir()) == ["out"]


def test_a_hand_written_file_is_never_overwritten(root: Path) -> None:
    path = root / APP / "backup" / "k8up-schedule.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("# mine\nkind: Schedule\n")
    changes = compare(root, {f"{APP}/backup/k8up-schedule.yaml": gen("kind: Schedule\n")})
    assert changes.writes == {} and changes.unchanged == ()  # rule BP401 reports it
    apply(changes)
    assert path.read_text() == "# mine\nkind: Schedule\n"


def test_a_directory_in_the_way_is_never_written_over(root: Path) -> None:
    (root / APP / "backup" / "a.yaml").mkdir(parents=True)
    changes = compare(root, {f"{APP}/backup/a.yaml": gen("a: 1\n")})
    assert changes.writes == {}  # rule BP401 reports it


def test_stale_generated_files_are_removed_and_empty_dirs_pruned(root: Path) -> None:
    _compile(
        root,
        {
            f"{APP}/backup/a.yaml": gen("a: 1\n"),
            "kubernetes/apps/old/app/backup/patches/pvc.yaml": gen("p: 1\n"),
            "kubernetes/apps/old/app/backup/kustomization.yaml": gen("k: 1\n"),
        },
    )
    changes = compare(root, {f"{APP}/backup/a.yaml": gen("a: 1\n")})
    assert sorted(changes.deletes) == [
        "kubernetes/apps/old/app/backup/kustomization.yaml",
        "kubernetes/apps/old/app/backup/patches/pvc.yaml",
    ]
    assert changes.drift
    apply(changes)
    assert _tree(root) == {f"{APP}/backup/a.yaml": gen("a: 1\n")}
    assert not (root / "kubernetes/apps/old").exists()
    assert (root / "kubernetes/apps").is_dir()


def test_hand_written_files_beside_stale_ones_are_untouched(root: Path) -> None:
    _compile(root, {f"{APP}/backup/a.yaml": gen("a: 1\n"), f"{APP}/backup/b.yaml": gen("b: 1\n")})
    mine = {
        f"{APP}/kustomization.yaml": "components: [./backup]\n",
        f"{APP}/backup/NOTES.md": "hand-written notes\n",
        f"{APP}/backup/c.yaml": f"# copied\n# from\n{HEAD}c: 1\n",
    }  # header on line 3
    for rel, text in mine.items():
        (root / rel).write_text(text)
    changes = compare(root, {})
    assert sorted(changes.deletes) == [f"{APP}/backup/a.yaml", f"{APP}/backup/b.yaml"]
    apply(changes)
    assert _tree(root) == mine


def test_all_generated_files_gone_prunes_up_to_but_not_the_root(root: Path) -> None:
    _compile(root, {"kubernetes/apps/x/y/backup/a.yaml": gen("a: 1\n")})
    apply(compare(root, {}))
    assert root.is_dir() and list(root.iterdir()) == []


def test_generated_files_outside_the_scanned_folders_are_left_alone(root: Path) -> None:
    (root / "other").mkdir()
    (root / "other/x.yaml").write_text(gen("x: 1\n"))
    assert compare(root, {}).deletes == ()


def test_is_generated(tmp_path: Path) -> None:
    cases = {
        "plain.yaml": (gen("a: 1\n"), True),
        "script.sh": ("#!/bin/sh\n" + gen("echo\n"), True),
        "third-line.yaml": ("# a\n# b\n" + gen(""), False),
        "hand.yaml": ("a: 1\n", False),
        "empty.yaml": ("", False),
    }
    for name, (text, _) in cases.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "binary.bin").write_bytes(b"\xff\xfe\x00")
    assert {name: is_generated(tmp_path / name) for name in cases} == {
        name: expected for name, (_, expected) in cases.items()
    }
    assert not is_generated(tmp_path / "binary.bin")
    assert not is_generated(tmp_path / "missing.yaml")


def test_header_on_line_two_counts_only_after_a_shebang(tmp_path: Path) -> None:
    """Line 2 is allowed for scripts (``#!/bin/sh`` first). A hand-written file whose
    second line happens to carry the mark (a generated file copied below a comment) is not
    the compiler's: it would be overwritten or deleted as stale."""
    path = tmp_path / "copied.yaml"
    path.write_text("# my copy, edited by hand\n" + gen("a: 1\n"))
    assert not is_generated(path)


def test_unified_diff(root: Path) -> None:
    _compile(
        root,
        {f"{APP}/backup/a.yaml": gen("a: 1\nkeep: 1\n"), f"{APP}/backup/gone.yaml": gen("g: 1\n")},
    )
    changes = compare(
        root,
        {f"{APP}/backup/a.yaml": gen("a: 2\nkeep: 1\n"), f"{APP}/backup/new.yaml": gen("n: 1\n")},
    )
    diff = unified_diff(changes, "out")
    lines = diff.splitlines()
    assert f"--- a/out/{APP}/backup/a.yaml" in lines
    assert f"+++ b/out/{APP}/backup/a.yaml" in lines
    assert "-a: 1" in lines and "+a: 2" in lines and " keep: 1" in lines
    assert f"+++ b/out/{APP}/backup/new.yaml" in lines and "+n: 1" in lines
    assert f"--- a/out/{APP}/backup/gone.yaml" in lines and "-g: 1" in lines
    # files in path order, each once
    headers = [line for line in lines if line.startswith("--- ")]
    assert headers == sorted(headers) and len(headers) == 3
    assert _tree(root)[f"{APP}/backup/a.yaml"] == gen("a: 1\nkeep: 1\n")  # diff writes nothing


# `compile --fix`: the app's own kustomization gets its Component, and nothing else changes.
FOUR_SPACES = """\
# yaml-language-server: $schema=https://json.schemastore.org/kustomization
---
# web: the app itself
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: apps
resources:
    - ./deployment.yaml  # the workload
    - ./pvc.yaml
labels:
    - pairs:
          app.kubernetes.io/name: web
      includeSelectors: false
"""
UNINDENTED = """\
--- # web
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: apps
resources:
- ./deployment.yaml
- ./pvc.yaml
"""
LISTED_ELSEWHERE = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: ["./deployment.yaml", './pvc.yaml']
components:
  - ../../components/common  # shared

patches:
  - path: patch.yaml
"""
FLOW_ONLY = """\
---
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
metadata:
    name: web
resources: [./deployment.yaml, ./pvc.yaml]
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (FOUR_SPACES, FOUR_SPACES + "components:\n    - ./backup\n"),
        (UNINDENTED, UNINDENTED + "components:\n- ./backup\n"),
        (
            LISTED_ELSEWHERE,
            LISTED_ELSEWHERE.replace("# shared\n", "# shared\n  - ./backup\n"),
        ),
        (FLOW_ONLY, FLOW_ONLY + "components:\n    - ./backup\n"),
    ],
    ids=["four-spaces", "unindented-sequences", "components-listed", "flow-sequences"],
)
def test_fix_keeps_the_document_start_comments_and_indentation(text: str, expected: str) -> None:
    assert with_component(text, "./backup") == expected


def test_compile_fix_keeps_the_kustomization_text_and_mode(tmp_path: Path, run_cli: RunCli) -> None:
    shutil.copytree(BASE, tmp_path, dirs_exist_ok=True)
    kustomization = tmp_path / "out" / APP / "kustomization.yaml"
    kustomization.write_text(FOUR_SPACES)
    kustomization.chmod(0o600)
    result = run_cli("compile", "--fix", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "1 app kustomizations fixed" in result.output
    assert kustomization.read_text() == FOUR_SPACES + "components:\n    - ./backup\n"
    assert stat.S_IMODE(kustomization.stat().st_mode) == 0o600
    assert run_cli("check", cwd=tmp_path).exit_code == 0
