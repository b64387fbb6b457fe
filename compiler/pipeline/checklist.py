"""The checklist of a restore drill: what every drill shares around the tools' steps.

Before: silence the namespaces the drill touches (``amtool silence add`` for twice the
last measured run), create the test namespaces and the scripts their pods run, copy the Secrets
the pods read, note the start. Run (the seed's "Durchführung"): the tools' steps, or for
``full-dr`` the runbook of every service, critical first. After: the measured duration,
the clean-up, the silence expired, and the ``backup-policy record`` line to run.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

from msgspec import Struct

from compiler.analyse import EffectiveService
from compiler.core.durations import format_duration
from compiler.core.paths import from_cwd
from compiler.model.restore import RestoreTest
from compiler.plan.drills import DrillContext, DrillPart, DrillStep, SecretCopy

NAMESPACES_FILE = "namespaces.yaml"
SCRIPTS_FILE = "scripts.yaml"
CLASS_ORDER = ("critical", "important", "best-effort")
DEFAULT_SILENCE = 4 * 3600
COLD_START = DrillStep(
    "Bring the cluster up from Git (Flux bootstrap) with the backup targets reachable; "
    "then restore each service below, critical services first, its app stopped until its "
    "data is back",
    ("flux check", "flux get kustomizations --all-namespaces"),
)
# The secret's data and type, nothing the live namespace's API server added.
_SECRET = "jq '{apiVersion, kind, type, data, metadata: {name: .metadata.name}}'"


class Group(Struct, frozen=True):
    """Steps under one heading (a tool, or a service of the runbook; '' for none)."""

    title: str
    steps: tuple[DrillStep, ...]


class Section(Struct, frozen=True):
    title: str
    groups: tuple[Group, ...]


def test_namespaces(parts: Sequence[DrillPart]) -> list[str]:
    return sorted({namespace for part in parts for namespace in part.namespaces})


def silence_seconds(test: RestoreTest, services: Sequence[EffectiveService]) -> int:
    """Twice the last measured run, in whole hours (at least one); never measured: the
    scope's shortest RTO, the time the restore may take."""
    measured = [run.duration for run in test.protocol if run.duration is not None]
    if measured:
        return max(3600, -(-2 * measured[-1] // 3600) * 3600)
    return min((s.rto for s in services), default=DEFAULT_SILENCE)


def _silence(
    test: RestoreTest, services: Sequence[EffectiveService], namespaces: list[str]
) -> DrillStep:
    seconds = silence_seconds(test, services)
    if len(namespaces) == 1:
        matcher = f'namespace="{namespaces[0]}"'
    else:
        matcher = f'namespace=~"{"|".join(namespaces)}"'
    comment = shlex.quote(f"restore drill {test.id}")
    return DrillStep(
        f"Silence the alerts of {', '.join(namespaces) or 'the drill'} for "
        f"{format_duration(seconds)}, twice the last run (amtool reads the Alertmanager URL "
        "from its config file or --alertmanager.url)",
        (
            f"SILENCE_ID=$(amtool silence add --author={shlex.quote(test.responsible)} "
            f"--duration={format_duration(seconds)} --comment={comment} {shlex.quote(matcher)})",
        ),
    )


def _copy(secret: SecretCopy) -> str:
    return (
        f"kubectl -n {secret.source} get secret {secret.name} -o json | {_SECRET} "
        f"| kubectl -n {secret.target} apply -f -"
    )


def _setup(context: DrillContext, parts: Sequence[DrillPart], scripts: bool) -> list[DrillStep]:
    steps = []
    if test_namespaces(parts):
        files = [NAMESPACES_FILE, *([SCRIPTS_FILE] if scripts else [])]
        steps.append(
            DrillStep(
                "Create the test namespaces" + (" and the drill scripts" if scripts else ""),
                tuple(context.apply(name) for name in files),
            )
        )
    secrets = sorted({s for part in parts for s in part.secrets}, key=lambda s: (s.target, s.name))
    if secrets:
        steps.append(
            DrillStep(
                "Copy the Secrets the restore reads into the test namespaces",
                tuple(_copy(secret) for secret in secrets),
            )
        )
    return steps


def before(
    context: DrillContext,
    test: RestoreTest,
    services: Sequence[EffectiveService],
    parts: Sequence[DrillPart],
    scripts: bool,
) -> Section:
    touched = test_namespaces(parts) or sorted({s.namespace for s in services})
    steps = [_silence(test, services, touched), *_setup(context, parts, scripts)]
    if test.type == "full-dr":
        steps.append(COLD_START)
    steps.append(DrillStep("Note the start of the restore", ("START=$(date +%s)",)))
    return Section("Before", (Group("", tuple(steps)),))


def run(parts: Sequence[DrillPart]) -> Section:
    return Section("Run (Durchführung)", tuple(Group(p.tool, p.steps) for p in parts if p.steps))


def _record(test: RestoreTest, context: DrillContext, policies: Path) -> str:
    shown = from_cwd(policies.absolute())
    flags = "" if shown == "policies" else f" --policies {shlex.quote(shown)}"
    return (
        f"backup-policy record {test.id}{flags} --date {context.date} --result passed "
        f'--duration "$DURATION" --owner {shlex.quote(test.responsible)}'
    )


def after(
    context: DrillContext, test: RestoreTest, parts: Sequence[DrillPart], policies: Path
) -> Section:
    steps = [
        DrillStep(
            "Note the restore duration (from the start to the last passing check)",
            ('DURATION="$(( ($(date +%s) - START + 59) / 60 ))m"; echo "$DURATION"',),
        )
    ]
    cleanup = [f"kubectl delete -f {context.path(NAMESPACES_FILE)} --wait=true"]
    cleanup = cleanup if test_namespaces(parts) else []
    cleanup += [command for part in parts for command in part.cleanup]
    if cleanup:
        steps.append(DrillStep("Remove what the drill created", tuple(cleanup)))
    steps.append(DrillStep("Expire the silence", ('amtool silence expire "$SILENCE_ID"',)))
    steps.append(
        DrillStep(
            "Record the run (--result passed, failed or partial; --notes for follow-ups)",
            (_record(test, context, policies),),
        )
    )
    return Section("After", (Group("", tuple(steps)),))


def by_classification(services: Sequence[EffectiveService]) -> list[EffectiveService]:
    """Services in the order a cold start restores them: critical first."""
    return sorted(services, key=lambda s: (CLASS_ORDER.index(s.classification), s.key))
