"""velero pre-upgrade TOPIC: the exact ``velero backup create pre-<topic>`` before an
upgrade, or (``--write``) the same backup as a ``Backup`` manifest in the drills folder."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import get_args

from msgspec import Struct

from compiler.commands import EXIT_FAILED, EXIT_OK, Outcome, finish, usage
from compiler.config import RunConfig
from compiler.core.diagnostics import Diagnostic
from compiler.core.durations import format_duration
from compiler.model.types import Classification
from compiler.pipeline import Result
from compiler.pipeline.oneoff import oneoff_folder, write_oneoff
from compiler.pipeline.validate import analyse_stage, load_stage
from compiler.plan import OutputFile
from compiler.plan.k8s import managed
from compiler.registry import DEFAULT
from compiler.report import Report
from compiler.tools.velero.upgrade import PreUpgrade, pre_upgrade

_TOPIC = re.compile(r"^[a-z0-9]([-a-z0-9]{0,57}[a-z0-9])?$")
CLASSES: tuple[str, ...] = get_args(Classification)


class PreUpgradeRequest(Struct, frozen=True):
    topic: str
    classes: tuple[str, ...]
    write: bool
    day: dt.date | None = None


def _request_problem(request: PreUpgradeRequest) -> str:
    if not _TOPIC.fullmatch(request.topic):
        return (
            f"TOPIC {request.topic!r}: lower-case letters, digits and '-', at most 59, "
            "so that pre-<topic> is a Kubernetes name"
        )
    unknown = [c for c in request.classes if c not in CLASSES]
    if unknown or not request.classes:
        return f"--classes: {', '.join(unknown) or 'none given'}; choose from {', '.join(CLASSES)}"
    return ""


def _fields(backup: PreUpgrade | None, written: Sequence[str] = ()) -> dict[str, object]:
    """velero's ``backup`` (docs/formats.md), every key also when the policies did not load
    and there is no backup to take (``backup`` None: null values and empty lists)."""
    return {
        "backup": {
            "name": backup.name if backup is not None else None,
            "namespaces": list(backup.namespaces) if backup is not None else [],
            "ttl": format_duration(backup.ttl) if backup is not None else None,
            "storageLocation": backup.location if backup is not None else None,
            "command": backup.command() if backup is not None else None,
            "written": list(written),
        }
    }


def _write(
    config: RunConfig, result: Result, backup: PreUpgrade, day: dt.date
) -> tuple[list[str], list[Diagnostic]]:
    """(the file written, the problems that stopped it)."""
    assert result.policies is not None
    before = len(result.diagnostics.items)
    folder = oneoff_folder(config, result, result.policies, f"{day}-{backup.name}")
    if folder is None:
        return [], result.diagnostics.items[before:]
    document = backup.backup(managed())
    assert result.analysis is not None
    users = {s.source.file for s in result.analysis.services if s.namespace in backup.namespaces}
    sources = (result.policies.cluster.file, *sorted(users))
    planned = OutputFile(f"{folder.path}/velero-backup.yaml", sources, (document,))
    again = f"backup-policy velero pre-upgrade {backup.name.removeprefix('pre-')} --write"
    problems = write_oneoff(config, folder, [planned], again)
    result.diagnostics.extend(problems)
    return ([] if problems else [f"{folder.shown}/velero-backup.yaml"]), problems


def _applied(path: str, backup: PreUpgrade) -> str:
    """What was written, and the commands that take the backup from it."""
    return (
        f"wrote {path}\n"
        f"kubectl apply -f {path}\n"
        f"kubectl -n {backup.velero_namespace} wait backup.velero.io/{backup.name} "
        "--for=jsonpath='{.status.phase}'=Completed --timeout=2h\n"
        f"velero -n {backup.velero_namespace} backup describe {backup.name} --details\n"
    )


def run_pre_upgrade(config: RunConfig, request: PreUpgradeRequest) -> Outcome:
    """Print the backup command (or write the Backup) for the upgrade of ``request.topic``."""
    if not config.policies.is_dir():
        return usage("velero", config, f"no policy folder at {config.policies}")
    problem = _request_problem(request)
    if problem:
        return usage("velero", config, problem)
    result = Result()
    policies = load_stage(config, result, DEFAULT)
    if policies is not None:
        analyse_stage(result, policies, DEFAULT, config.date)
        result.accept_acknowledged(DEFAULT.rules, config.date)
    if result.analysis is None:  # rule errors do not stop a backup before an upgrade
        diagnostics = result.diagnostics.sorted()
        return finish(Report("velero", EXIT_FAILED, diagnostics, data=_fields(None)), config)
    cluster = result.analysis.policies.cluster.policy.spec
    backup = pre_upgrade(cluster, result.analysis.services, request.topic, request.classes)
    if isinstance(backup, str):
        return usage("velero", config, backup)
    written: list[str] = []
    problems: list[Diagnostic] = []
    if request.write:
        written, problems = _write(config, result, backup, request.day or config.date)
    code = EXIT_FAILED if problems else EXIT_OK
    body = "".join(_applied(path, backup) for path in written) if request.write else ""
    body = body or (backup.command() + "\n" if code == EXIT_OK else "")
    # The policies' own problems are validate's business: the output stays one command.
    report = Report("velero", code, sorted(problems), body, data=_fields(backup, written))
    return finish(report, config)
