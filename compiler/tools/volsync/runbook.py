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

With ``volsync.existing`` the steps name the tree's objects (:mod:`.adopted`): its
ReplicationSource and repository Secret, and its own ReplicationDestination of that
repository when the app's build has one (the shared ``components/volsync`` does: the PVC's
``dataSourceRef``); without one, a one-off destination restores straight into the PVC.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from compiler.analyse import EffectiveService
from compiler.core.data import mapping_at
from compiler.model.cluster import S3Target
from compiler.plan import RunbookStep
from compiler.plan.drills import dns_name
from compiler.plan.runbook import quoted
from compiler.tools.volsync.adopted import CACHE, Adopted, unknown_text
from compiler.tools.volsync.claims import bootstrap, claims
from compiler.tools.volsync.names import (
    API_VERSION,
    GROUP,
    destination_name,
    repository_url,
    secret_name,
)
from compiler.tools.volsync.settings import VolSyncSettings
from compiler.tree import Pvc

KIND = "replicationdestination"
RESULT = "{.status.latestMoverStatus.result}"
IMAGE = f"{RESULT} {{.status.latestImage.name}}"


def _populated(namespace: str, claim: str, name: str) -> str:
    """jq turning the live PVC into the same PVC filled from destination ``name``'s image."""
    source = f'{{apiGroup: "{GROUP}", kind: "ReplicationDestination", name: "{name}"}}'
    program = (
        "{apiVersion, kind, metadata: {name: .metadata.name, namespace: .metadata.namespace, "
        "labels: .metadata.labels}, spec: {accessModes: .spec.accessModes, resources: "
        f".spec.resources, storageClassName: .spec.storageClassName, dataSourceRef: {source}}}}}"
    )
    return f"kubectl -n {namespace} get pvc {claim} -o json | jq {quoted(program)} > {claim}.json"


def _trigger(ns: str, destination: str, shown: str) -> list[str]:
    """A new manual trigger of ``destination`` and the wait for its restore; ``shown``: the
    status fields printed after it."""
    return [
        'TAG="restore-$(date +%Y%m%d%H%M%S)"',
        f"kubectl -n {ns} patch {KIND} {destination} --type merge "
        '-p "{\\"spec\\":{\\"trigger\\":{\\"manual\\":\\"$TAG\\"}}}"',
        f"kubectl -n {ns} wait {KIND}/{destination} "
        "--for=jsonpath='{.status.lastManualSync}'=\"$TAG\" --timeout=6h",
        f"kubectl -n {ns} get {KIND} {destination} -o jsonpath='{shown}'",
    ]


def _replaced(ns: str, claim: str, destination: str, filled: str) -> list[str]:
    """The PVC deleted and created again from ``destination``'s latestImage."""
    return [
        f"# replace PVC {claim} by one filled from its latestImage (same size, modes, class)",
        filled,
        _populated(ns, claim, destination),
        f"kubectl -n {ns} delete pvc {claim} --wait=true",
        f"kubectl apply -f {claim}.json",
        f"kubectl -n {ns} get pvc {claim}",
    ]


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
        *_trigger(ns, destination, IMAGE),
        *_replaced(ns, claim, destination, filled),
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


def _one_off(ns: str, found: Adopted, claim: str, name: str) -> list[str]:
    """A ReplicationDestination of the source's repository writing straight into the PVC
    (the tree has none to trigger); ``$TAG`` is its trigger, expanded by the shell."""
    restic: dict[str, Any] = {
        "repository": found.secret or "$SECRET",
        "destinationPVC": claim,
        "copyMethod": "Direct",
        **{k: found.restic.values[k] for k in CACHE if k in found.restic.values},
    }
    if found.restic.mover:  # restored files owned as the app (and the source) owns them
        restic["moverSecurityContext"] = dict(sorted(found.restic.mover.items()))
    document = {
        "apiVersion": API_VERSION,
        "kind": "ReplicationDestination",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"trigger": {"manual": "$TAG"}, "restic": dict(sorted(restic.items()))},
    }
    text = json.dumps(document, separators=(",", ":")).replace('"', '\\"')
    return [
        f"# the tree has no ReplicationDestination of Secret {found.secret or '$SECRET'}: "
        f"{name} restores the newest snapshot straight into PVC {claim}",
        'TAG="restore-$(date +%Y%m%d%H%M%S)"',
        f'echo "{text}" | kubectl apply -f -',
        f"kubectl -n {ns} wait {KIND}/{name} "
        "--for=jsonpath='{.status.lastManualSync}'=\"$TAG\" --timeout=6h",
        f"kubectl -n {ns} get {KIND} {name} -o jsonpath='{RESULT}'",
        f"kubectl -n {ns} delete {KIND} {name}",
    ]


def _restore(ns: str, found: Adopted, claim: str, record: Pvc | None) -> list[str]:
    """The restore through the tree's own ReplicationDestination of the repository, else a
    one-off one."""
    destination = found.destination
    if destination is None:
        return _one_off(ns, found, claim, dns_name(found.source.name, "restore"))
    said = f"# restore the newest snapshot again through ReplicationDestination {destination.name}"
    if destination.destination_pvc:
        into = f"# it writes PVC {destination.destination_pvc} directly (destinationPVC)"
        return [said, into, *_trigger(ns, destination.name, RESULT)]
    ref = mapping_at(record.manifest.body, "spec", "dataSourceRef") if record else {}
    filled = (
        "# the tree's PVC has this dataSourceRef too: Flux would also create a deleted PVC "
        "from the backup"
        if ref.get("name") == destination.name
        else "# Flux creates the PVC empty: create it from the backup"
    )
    return [
        said,
        *_trigger(ns, destination.name, IMAGE),
        *_replaced(ns, claim, destination.name, filled),
    ]


def adopted_steps(
    service: EffectiveService, found: Mapping[str, Adopted], records: Mapping[str, Pvc | None]
) -> list[RunbookStep]:
    """One step per PVC the tree's own ReplicationSources back up (``volsync.existing``),
    naming the tree's objects."""
    steps = []
    for claim in claims(service):
        tree = found.get(claim.name)
        if tree is None:
            continue  # BP383: no ReplicationSource backs the PVC up
        ns, source = service.namespace, tree.source
        secret = tree.secret or "$SECRET"
        commands = [
            f"# ReplicationSource {ns}/{source.name} ({source.manifest.file}) backs PVC "
            f"{claim.name} up to the restic repository of Secret {secret}; stop the app first",
        ]
        if tree.restic.unknown:
            commands.append(f"# {unknown_text(tree)}: read them from the live object")
        if not tree.secret:
            commands.append(
                f"SECRET=$(kubectl -n {ns} get replicationsource {source.name} "
                "-o jsonpath='{.spec.restic.repository}')"
            )
        commands += _restore(ns, tree, claim.name, records.get(claim.name))
        title = f"PVC {claim.name} from the restic repository of ReplicationSource {source.name}"
        steps.append(RunbookStep(title, tuple(commands), f"pvc/{claim.name}"))
    return steps
