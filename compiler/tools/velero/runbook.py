"""Restoring a service's namespace with Velero: the disaster-recovery step.

Velero backs up the whole namespace (one Schedule per namespace, ``bp-<namespace>``), so its
restore brings back every object of the namespace; objects that still exist are left as they
are (Velero's default ``existingResourcePolicy``). ``--from-schedule`` takes the schedule's
newest completed backup.
"""

from __future__ import annotations

from compiler.analyse import EffectiveService
from compiler.plan import RunbookStep


def steps(service: EffectiveService, schedule: str, namespace: str) -> list[RunbookStep]:
    """``namespace`` is Velero's own."""
    velero = f"velero -n {namespace} restore"
    commands = (
        f"# every object of namespace {service.namespace}, from the newest backup of Schedule "
        f"{schedule}",
        f'RESTORE="{schedule}-$(date +%Y%m%d%H%M%S)"',
        f'{velero} create "$RESTORE" --from-schedule {schedule} '
        f"--include-namespaces {service.namespace} --wait",
        f'{velero} describe "$RESTORE" --details',
        f'{velero} logs "$RESTORE"',
    )
    title = f"namespace {service.namespace} from Schedule {schedule}"
    return [RunbookStep(title, commands)]
