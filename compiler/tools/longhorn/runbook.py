"""Restoring a service's Longhorn volumes: the disaster-recovery steps.

A Longhorn backup belongs to the volume behind the PVC (its PV name); ``Backup`` objects carry
the ``backup-volume`` label with that name (longhorn-manager types.LonghornLabelBackupVolume)
and their URL and creation time in their status. A backup is restored into a new volume
(Longhorn UI, Backup page), which then gets its PV and the PVC's name back (Create PV/PVC).
"""

from __future__ import annotations

from compiler.analyse import EffectiveService
from compiler.plan import RunbookStep

COLUMNS = "NAME:.metadata.name,CREATED:.status.backupCreatedAt,STATE:.status.state,URL:.status.url"


def steps(service: EffectiveService, target: str, namespace: str) -> list[RunbookStep]:
    """One step per PVC: find the volume's newest backup on ``target``, restore it in the UI
    under the PVC's name. ``namespace`` is Longhorn's."""
    found = []
    for volume in service.source.policy.spec.volumes:
        claim = volume.claim
        if not claim:
            continue
        commands = (
            f"# the Longhorn volume behind PVC {claim} (on a new cluster: the Backup page of",
            "# the Longhorn UI lists the backup volumes with their PVC name)",
            f'VOLUME="$(kubectl -n {service.namespace} get pvc {claim} '
            "-o jsonpath='{.spec.volumeName}')\"",
            f"# its backups on target {target}, newest last",
            f'kubectl -n {namespace} get backups.longhorn.io -l backup-volume="$VOLUME" '
            f"--sort-by=.status.backupCreatedAt -o custom-columns={COLUMNS}",
            "# with the app stopped and the old PVC deleted: Longhorn UI > Backup > $VOLUME >",
            f"# Restore Latest Backup as volume {claim}-restore, then Volume > {claim}-restore >",
            f"# Create PV/PVC with namespace {service.namespace} and PVC name {claim}",
            f"kubectl -n {service.namespace} get pvc {claim}",
        )
        title = f"PVC {claim} from its latest backup on {target}"
        found.append(RunbookStep(title, commands, f"pvc/{claim}"))
    return found
