"""Restoring a service's PVCs from VolSync's restic repositories: the disaster-recovery steps.

Each PVC has a ``ReplicationDestination bp-<claim>-restore`` in the app's Component: a new
manual trigger makes it restore the newest snapshot again (``spec.restic.restoreAsOf`` or
``previous`` pick an older one) into a volume it keeps as a VolumeSnapshot,
``status.latestImage``; ``status.lastManualSync`` shows the trigger once that is done. A PVC
whose ``dataSourceRef`` is the destination is then created from that image by VolSync's
volume populator (``docs/usage/volume-populator`` of v0.16.0). With ``bootstrap`` the
Component already patches that ``dataSourceRef`` onto the app's PVC, so Flux creates a
deleted PVC from the backup; the steps create it by hand either way, from the live PVC's
own spec, so nobody has to wait for Flux.
"""

from __future__ import annotations

from compiler.analyse import EffectiveService
from compiler.model.cluster import S3Target
from compiler.plan import RunbookStep
from compiler.plan.runbook import quoted
from compiler.tools.volsync.claims import bootstrap, claims
from compiler.tools.volsync.names import GROUP, destination_name, repository_url, secret_name
from compiler.tools.volsync.settings import VolSyncSettings

KIND = "replicationdestination"


def _populated(namespace: str, claim: str) -> str:
    """jq turning the live PVC into the same PVC filled from the destination's image."""
    name = destination_name(claim)
    source = f'{{apiGroup: "{GROUP}", kind: "ReplicationDestination", name: "{name}"}}'
    program = (
        "{apiVersion, kind, metadata: {name: .metadata.name, namespace: .metadata.namespace, "
        "labels: .metadata.labels}, spec: {accessModes: .spec.accessModes, resources: "
        f".spec.resources, storageClassName: .spec.storageClassName, dataSourceRef: {source}}}}}"
    )
    return f"kubectl -n {namespace} get pvc {claim} -o json | jq {quoted(program)} > {claim}.json"


def _commands(service: EffectiveService, target: S3Target, secret: str, claim: str) -> list[str]:
    ns, destination = service.namespace, destination_name(claim)
    filled = (
        "# the Component's patch gives the PVC this dataSourceRef too: Flux would also create a "
        "deleted PVC from the backup"
        if bootstrap(service)
        else "# without volsync.bootstrap Flux creates the PVC empty: create it from the backup"
    )
    return [
        f"# repository {repository_url(target, ns, claim)} (Secret {secret}); stop the app first",
        f"# restore the newest snapshot again through ReplicationDestination {destination}",
        'TAG="restore-$(date +%Y%m%d%H%M%S)"',
        f"kubectl -n {ns} patch {KIND} {destination} --type merge "
        '-p "{\\"spec\\":{\\"trigger\\":{\\"manual\\":\\"$TAG\\"}}}"',
        f"kubectl -n {ns} wait {KIND}/{destination} "
        "--for=jsonpath='{.status.lastManualSync}'=\"$TAG\" --timeout=6h",
        f"kubectl -n {ns} get {KIND} {destination} "
        "-o jsonpath='{.status.latestMoverStatus.result} {.status.latestImage.name}'",
        f"# replace PVC {claim} by one filled from its latestImage (same size, modes, class)",
        filled,
        _populated(ns, claim),
        f"kubectl -n {ns} delete pvc {claim} --wait=true",
        f"kubectl apply -f {claim}.json",
        f"kubectl -n {ns} get pvc {claim}",
    ]


def steps(
    service: EffectiveService, settings: VolSyncSettings, target: S3Target
) -> list[RunbookStep]:
    """One step per PVC VolSync backs up."""
    found = []
    for claim in claims(service):
        secret = secret_name(settings, service, claim.name)
        title = f"PVC {claim.name} from its restic repository on {settings.target}"
        commands = _commands(service, target, secret, claim.name)
        found.append(RunbookStep(title, tuple(commands), f"pvc/{claim.name}"))
    return found
