"""No secret value reaches a message, a hint, a diff or a written file, whatever the path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, RunCli

BASE = REPO / "tests" / "cases" / "base"
KEY = "AKIAIOSFODNN7EXAMPLE"
TOKEN = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
GARAGE = "GK31c2f218a2e44f485b94239e"

# (file, text to replace, replacement): each puts a secret where a policy could hold one.
PLACES = [
    (
        "cluster",
        "      credentialsSecret:\n",
        f"      accessKeyId: {KEY}\n      credentialsSecret:\n",
    ),
    (
        "cluster",
        "      credentialsSecret:\n",
        f"      secretAccessKey: {TOKEN}\n      credentialsSecret:\n",
    ),
    ("cluster", "http://garage.storage.svc:3900", f"http://{GARAGE}:{TOKEN}@garage:3900"),
    (
        "cluster",
        "        name: garage-s3\n",
        f"        name: garage-s3\n        accessKeyIdKey: {TOKEN}\n",
    ),
    ("cluster", "        key: password", f"        key: {TOKEN}"),
    ("cluster", "        name: k8up-repo", f"        name: {KEY.lower()}"),
    ("web", "  owner: ops", f"  owner: {KEY}"),
    ("web", "  classification: important", f"  classification: {KEY}"),
    ("web", "  name: web\n", f"  name: {KEY}\n"),
    ("web", "  storage: longhorn", f"  storage: {TOKEN}"),
    ("web", "  restoreTests: [BT-LH-01]", f"  restoreTests: [{KEY}]"),
]
# Reader errors whose position lies on the secret's line.
BROKEN = [
    f'  owner: "{KEY}\n',  # an unclosed quote at the end of the file
    f"  owner: {KEY}\n  owner: {TOKEN}\n",  # a duplicate key with secret values
    f"  owner: !secret {KEY}\n",  # a tag
    f"  owner: [{KEY}\n",  # an unclosed flow list
    f"  owner: {{a: {KEY}}}\n",  # a mapping where text belongs
    f"  rpo: {KEY}\n",  # not a duration
]
FORMATS = ["text", "json", "github"]


def _repo(tmp_path: Path) -> Path:
    shutil.copytree(BASE, tmp_path, dirs_exist_ok=True)
    return tmp_path


def _files(repo: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in sorted(repo.rglob("*")) if p.is_file())


def _clean(output: str) -> None:
    for secret in (KEY, KEY.lower(), TOKEN, GARAGE, TOKEN.split("/")[0]):
        assert secret not in output


def _commands(repo: Path, run_cli: RunCli) -> str:
    shown = ""
    for fmt in FORMATS:
        for command in ("validate", "check", "compile", "explain"):
            args = [command, "--format", fmt] + (["web"] if command == "explain" else [])
            result = run_cli(*args, cwd=repo)
            assert result.exit_code in (1, 2), result.output
            shown += result.output
    return shown


@pytest.mark.parametrize(
    ("file", "old", "new"), PLACES, ids=[f"{f}-{n[:24]}" for f, _, n in PLACES]
)
def test_a_secret_in_a_field_is_never_repeated(
    tmp_path: Path, run_cli: RunCli, file: str, old: str, new: str
) -> None:
    repo = _repo(tmp_path)
    path = repo / ("policies/cluster.yaml" if file == "cluster" else "policies/services/web.yaml")
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    before = _files(repo / "out")
    _clean(_commands(repo, run_cli))
    assert _files(repo / "out") == before  # nothing written


@pytest.mark.parametrize("line", BROKEN, ids=range(len(BROKEN)))
def test_reader_errors_never_repeat_the_secret(tmp_path: Path, run_cli: RunCli, line: str) -> None:
    repo = _repo(tmp_path)
    path = repo / "policies/services/web.yaml"
    path.write_text(path.read_text().replace("  owner: ops\n", line, 1))
    _clean(_commands(repo, run_cli))
