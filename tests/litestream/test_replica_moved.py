"""BP373 names what moves: the path, or the bucket under the same path."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunCli


def test_a_replica_moved_to_another_bucket_says_which(example: Path, run_cli: RunCli) -> None:
    """The garage target's bucket renamed: linkding's only replica keeps its path in a new
    bucket, where the restore finds nothing (the message once read "moves from
    'productivity/linkding/db.sqlite3' to 'productivity/linkding/db.sqlite3'")."""
    cluster = example / "policies/cluster.yaml"
    text = cluster.read_text()
    assert text.count("      bucket: k8up\n") == 1
    cluster.write_text(text.replace("      bucket: k8up\n", "      bucket: k8up-new\n"))
    result = run_cli("check", cwd=example)
    assert result.exit_code == 1
    (line,) = [
        line
        for line in result.output.splitlines()
        if line.startswith("policies/services/linkd") and "[BP373]" in line
    ]
    assert (
        "the replica of /etc/linkding/data/db.sqlite3 moves from bucket 'k8up' to 'k8up-new' "
        "(path 'productivity/linkding/db.sqlite3', "
        "out/kubernetes/apps/productivity/linkding/backup/litestream-config.yaml)"
    ) in line
    assert "hint: keep the bucket: give its target bucket 'k8up';" in result.output
