"""The K8up restore steps of docs/disaster-recovery.md when the target is Flux variables.

Flux substitutes the manifests, never the docs: on the acceptance case
``flux-variable-target`` (endpoint ``${S3_ENDPOINT:=...}``, bucket ``${S3_BUCKET}``) the
generated commands run in a real ``sh`` with the variables exported as the docs say (the
``kubectl``/``restic`` lines left out), and restic's repository and the applied ``Restore``
name the same store as the Schedule that Flux substitutes with those values.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

from compiler.tree.fluxapps import substitute
from tests.test_cases import compiled_case

SCHEDULE = "kubernetes/apps/apps/web/backup/k8up-schedule.yaml"


def _outputs(tmp: Path) -> dict[str, str]:
    return compiled_case("flux-variable-target", tmp)


def _k8up_commands(doc: str) -> list[str]:
    """The shell of the K8up step, without the lines that need a cluster or a repository."""
    step = doc[doc.index("### K8up: PVC web-data") :]
    body = step[step.index("```sh\n") + 6 :]
    lines = body[: body.index("\n```")].splitlines()
    assert "# export S3_BUCKET S3_ENDPOINT: the values Flux substitutes in the cluster" in lines
    start = next(i for i, line in enumerate(lines) if line.startswith('sed "s/@SNAPSHOT@/'))
    end = lines.index("EOF", start)
    restore = [lines[start].replace(" | kubectl apply -f -", ""), *lines[start + 1 : end + 1]]
    (repository,) = [line for line in lines if line.startswith("export RESTIC_REPOSITORY=")]
    return [repository, 'printf "%s\\n---\\n" "$RESTIC_REPOSITORY"', *restore]


def _run(commands: list[str], variables: dict[str, str]) -> tuple[str, dict[str, Any]]:
    exports = [f"export {name}='{value}'" for name, value in variables.items()]
    script = "\n".join(["set -eu", "SNAPSHOT=1a2b3c4d", *exports, *commands]) + "\n"
    done = subprocess.run(["sh"], input=script, capture_output=True, text=True, check=True)
    repository, restore = done.stdout.split("\n---\n", 1)
    return repository, yaml.safe_load(restore)


def test_the_shell_fills_the_variables_like_flux_fills_the_schedule(tmp_path: Path) -> None:
    outputs = _outputs(tmp_path)
    commands = _k8up_commands(outputs["docs/disaster-recovery.md"])
    for variables in (
        {"S3_BUCKET": "backups"},  # S3_ENDPOINT unset: its := default, as with Flux
        {"S3_BUCKET": "backups", "S3_ENDPOINT": "https://s3.example.net"},
    ):
        repository, restore = _run(commands, variables)
        substituted = substitute(outputs[SCHEDULE], variables)
        assert substituted is not None
        (schedule,) = [d for d in yaml.safe_load_all(substituted) if d]
        s3 = schedule["spec"]["backend"]["s3"]
        assert "$" not in repository and "$" not in str(restore)
        assert repository == f"s3:{s3['endpoint']}/{s3['bucket']}"
        assert restore["spec"]["backend"] == schedule["spec"]["backend"]
        assert restore["spec"]["snapshot"] == "1a2b3c4d"
    assert (s3["endpoint"], s3["bucket"]) == ("https://s3.example.net", "backups")
