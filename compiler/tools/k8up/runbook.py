"""Restoring a service's PVCs from K8up's restic repository: the disaster-recovery steps.

K8up backs up each PVC as its own restic snapshot, path ``/data/<claim>``, tagged
``<namespace>-<app>`` (the Schedule's tag); a ``Restore`` with the Schedule's backend and a
snapshot ID writes the snapshot back into the claim (K8up trims ``/data/<claim>``, so the
PVC's root is the snapshot's root: k8up-io/k8up restic/cli/restore.go, linkRestorePaths).
"""

from __future__ import annotations

import re
from typing import Any

from compiler.analyse import EffectiveService
from compiler.core.emit import dump
from compiler.core.fluxvar import VARIABLE, flux_variable
from compiler.model.cluster import S3Target
from compiler.plan import RunbookStep
from compiler.plan.k8s import managed, metadata
from compiler.plan.runbook import quoted, secret_value
from compiler.tools.k8up.schedule import backend, groups, tag

MARK = "@SNAPSHOT@"
# Characters a double-quoted shell word or an unquoted here-document would not keep as they
# are (besides the $ of the variables themselves).
_SHELL_SPECIAL = frozenset('"\\`')


def _flux_variables(target: S3Target) -> list[str]:
    """The Flux variables of the target's endpoint and bucket that the shell must fill.

    Flux substitutes the manifests, never the docs: the commands keep ``${NAME}`` (and
    ``${NAME:=default}``, the same in sh) for the operator's shell to expand. Empty when
    there are none, or when a default holds a character that would break the quoting.
    """
    found = [flux_variable(value) for value in (target.endpoint, target.bucket)]
    names = sorted({variable.name for variable in found if variable is not None})
    text = target.endpoint + target.bucket
    bad = _SHELL_SPECIAL.intersection(text) or "$" in re.sub(VARIABLE, "", text)
    return [] if bad else names


def _restore(service: EffectiveService, target: S3Target, claim: str) -> dict[str, Any]:
    return {
        "apiVersion": "k8up.io/v1",
        "kind": "Restore",
        "metadata": metadata(f"restore-{claim}", service.namespace, managed()),
        "spec": {
            "snapshot": MARK,
            "restoreMethod": {"folder": {"claimName": claim}},
            "backend": backend(target),
        },
    }


def _access(service: EffectiveService, target: S3Target) -> list[str]:
    """The environment restic needs to read the repository the Schedule writes."""
    assert target.repo_password_secret is not None  # BP330 refuses a target without one
    namespace, creds = service.namespace, target.credentials_secret
    password = target.repo_password_secret
    repository = f"s3:{target.endpoint.rstrip('/')}/{target.bucket}"
    names = _flux_variables(target)
    given = [f"# export {' '.join(names)}: the values Flux substitutes in the cluster"]
    return [
        f"# restic reads the repository of the K8up Schedule {groups((service,))[0].name}",
        *(given if names else []),
        f'export RESTIC_REPOSITORY="{repository}"'
        if names
        else f"export RESTIC_REPOSITORY={quoted(repository)}",
        f'export RESTIC_PASSWORD="{secret_value(namespace, password.name, password.key)}"',
        "export AWS_ACCESS_KEY_ID="
        f'"{secret_value(namespace, creds.name, creds.access_key_id_key)}"',
        "export AWS_SECRET_ACCESS_KEY="
        f'"{secret_value(namespace, creds.name, creds.secret_access_key_key)}"',
    ]


def steps(service: EffectiveService, target: S3Target, target_name: str) -> list[RunbookStep]:
    """One step per PVC of the service: find its newest snapshot, restore it into the PVC."""
    claims = [v.claim for v in service.source.policy.spec.volumes if v.claim]
    # an unquoted here-document lets the shell fill the Restore's Flux variables
    delimiter = "EOF" if _flux_variables(target) else "'EOF'"
    found = []
    for claim in claims:
        restore = f"restore-{claim}"
        commands = [
            *_access(service, target),
            f"# the newest snapshot of PVC {claim}",
            f'SNAPSHOT="$(restic snapshots --tag {tag(service)} --path /data/{claim} '
            "--latest 1 --json | jq -r '.[-1].short_id')\"",
            f"# restore it into PVC {claim} (the app stopped): a K8up Restore",
            f'sed "s/{MARK}/$SNAPSHOT/" <<{delimiter} | kubectl apply -f -',
            *dump(_restore(service, target, claim)).splitlines(),
            "EOF",
            f"kubectl -n {service.namespace} wait restores.k8up.io/{restore} "
            "--for=jsonpath='{.status.finished}'=true --timeout=6h",
        ]
        title = f"PVC {claim} from the restic repository on {target_name}"
        found.append(RunbookStep(title, tuple(commands), f"pvc/{claim}"))
    return found
