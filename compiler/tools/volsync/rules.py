"""Rules about VolSync: one repository per PVC, the PVCs it copies, who the mover runs as."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.analyse import EffectiveService
from compiler.core.cron import max_gap_seconds
from compiler.core.diagnostics import Diagnostic
from compiler.rules import PolicyContext, TreeContext, policy_rule, tree_rule
from compiler.tools.importing import gap_of
from compiler.tools.volsync.claims import (
    Claim,
    bootstrap,
    claims,
    existing,
    flux_added,
    pvc_record,
    settings_of,
)
from compiler.tools.volsync.existing import TreeSource, tree_sources
from compiler.tools.volsync.identity import mover_identity
from compiler.tools.volsync.names import seed, source_name
from compiler.tree import UnknownBuild


@policy_rule(
    "BP380",
    "volsync-shared-repository",
    "error",
    passing='repositorySecret: "{claim}-volsync"  # two PVCs, two repositories',
    failing='repositorySecret: "{app}-volsync"  # and the app has two PVCs',
)
def shared_repository(context: PolicyContext) -> Iterator[Diagnostic]:
    """Each PVC VolSync backs up needs a restic repository of its own.

    The repository is the Secret's ``RESTIC_REPOSITORY``, and VolSync backs up every volume
    as host ``volsync``, path ``/data``: two PVCs in one repository are one snapshot series.
    ``forget`` then keeps the retention across both, and a restore takes whichever was
    backed up last. With one Secret per app (no ``{claim}`` in ``repositorySecret``), an app
    may back up one PVC with VolSync.
    """
    for service in context.analysis.services:
        settings = settings_of(service)
        if settings is None or "{claim}" in settings.repository_secret or existing(service):
            continue
        found = list(claims(service))
        for extra in found[1:]:
            yield shared_repository.at(
                service.source.doc,
                extra.origin,
                f"{service.key}: PVC {extra.name!r} would share the restic repository of "
                f"{found[0].name!r} (one repository Secret per app): their snapshots would "
                "prune and restore as one",
                'put {claim} in the class\'s volsync.repositorySecret (e.g. "{claim}-volsync")',
            )


Build = tuple[str, frozenset[tuple[str, str]] | None]


def _build(context: TreeContext, service: EffectiveService) -> Build:
    """The app kustomization as shown, and what its build holds (None: not known), with the
    PVCs its Flux Kustomization's ``spec.components`` add."""
    found = context.inventory.app_kustomization(service.app_dir)
    if found is None:
        return "", None  # BP403 reports a missing app kustomization
    shown = context.inventory.shown(found[0].file)
    added = {
        ("PersistentVolumeClaim", p.manifest.name) for p in flux_added(context.inventory, service)
    }
    try:
        skip = f"{service.app_dir}/backup"
        return shown, context.inventory.build_objects(found[0].folder, skip=skip) | added
    except UnknownBuild:
        return shown, None


@tree_rule(
    "BP381",
    "volsync-pvc-missing",
    "error",
    passing="volumes: [{name: config, claim: app-config}]  # pvc.yaml in the app's folder",
    failing="volumes: [{name: config, claim: app-cfg}]  # no such PVC in the app's build",
)
def pvc_missing(context: TreeContext) -> Iterator[Diagnostic]:
    """Every PVC VolSync backs up is a PersistentVolumeClaim written in the app's folder
    (or in a Component its Flux Kustomization adds with ``spec.components``) and part of its
    build.

    A ReplicationSource whose PVC does not exist backs up nothing: VolSync waits for the
    volume and only its out-of-sync flag says so. The restore (a ReplicationDestination
    that provisions a volume) needs the PVC's size and access modes, read from its manifest
    under the app's folder, so a PVC the tree does not write (made by a chart, named by a
    Flux ``${VAR}``) is reported too. Whether it is in the build is judged only where the
    build can be known; with ``bootstrap`` a PVC missing from the build is reported by BP405.
    """
    for service in context.analysis.services:
        if settings_of(service) is None:
            continue
        yield from _missing_pvcs(context, service)


def _missing_pvcs(context: TreeContext, service: EffectiveService) -> Iterator[Diagnostic]:
    shown, objects = _build(context, service)
    for claim in claims(service):
        listed = objects is None or ("PersistentVolumeClaim", claim.name) in objects
        if not listed and bootstrap(service):
            continue
        if listed and pvc_record(context.inventory, service, claim.name) is not None:
            continue
        where = f"in the build of {shown}" if not listed else f"under {service.app_dir}"
        yield pvc_missing.at(
            service.source.doc,
            claim.origin,
            f"PVC {claim.name!r} is not {where}: ReplicationSource "
            f"{source_name(claim.name)!r} would back up nothing"
            + ("" if not listed else ", and its restore needs the PVC's size"),
            "fix the claim name, or write the PVC in the app's folder and kustomization",
        )


@tree_rule(
    "BP382",
    "volsync-mover-identity",
    "warning",
    passing="the app's pod sets securityContext: {runAsUser: 568, fsGroup: 568}",
    failing="no pod securityContext in the tree and no volsync.moverSecurityContext",
)
def mover_identity_unknown(context: TreeContext) -> Iterator[Diagnostic]:
    """The VolSync mover should run as the app's pod does.

    An unprivileged mover drops every capability; where nothing assigns it a user it runs
    as UID 0 without the right to read other users' files, so a backup of files only their
    owner may read fails, and restored files belong to another user than the app. The
    identity is copied from the pod's ``securityContext`` in the tree (a Deployment or
    StatefulSet in the app's folder, or app-template values); when the tree does not say,
    set ``volsync.moverSecurityContext`` in the service policy.
    """
    for service in context.analysis.services:
        if settings_of(service) is None or existing(service) or not any(claims(service)):
            continue
        if mover_identity(context.inventory, service):
            continue
        workload = service.source.policy.spec.workload
        yield mover_identity_unknown.at(
            service.source.doc,
            ("spec", "workload"),
            f"{service.key}: no securityContext of {workload.kind} {workload.name!r} found in "
            "the tree: the VolSync mover runs without capabilities as the cluster's default "
            "user and may not read the app's files",
            "set runAsUser/fsGroup on the pod, or volsync: {moverSecurityContext: {...}}",
        )


@tree_rule(
    "BP383",
    "volsync-existing-source",
    "error",
    passing="volsync: {existing: true}  # the app's Flux Kustomization adds components/volsync",
    failing="no volsync.existing, and components/volsync already backs up the PVC",
)
def existing_source(context: TreeContext) -> Iterator[Diagnostic]:
    """A PVC is backed up by one ReplicationSource: the tree's own or the compiler's.

    Most Flux homelabs add a shared Component (``components/volsync``) to each app's Flux
    Kustomization (``spec.components``, filled by ``postBuild.substitute``) that already
    writes a ReplicationSource per PVC. A second one from the compiler backs the PVC up
    twice into the same restic repository: two snapshot series and lock contention. With
    ``volsync.existing: true`` the compiler writes none and counts and watches the tree's
    (after substitution), so that must exist for every PVC, on a schedule no sparser than
    the one the analysis counts (the class's).
    """
    for service in context.analysis.services:
        if settings_of(service) is None:
            continue
        found = tree_sources(context.inventory, service)
        for claim in claims(service):
            source = found.get(claim.name)
            yield from _judged(context, service, claim, source)


def _judged(
    context: TreeContext, service: EffectiveService, claim: Claim, source: TreeSource | None
) -> Iterator[Diagnostic]:
    doc, shown = service.source.doc, context.inventory.shown
    if source is not None and not existing(service):
        yield existing_source.at(
            doc,
            claim.origin,
            f"PVC {claim.name!r} is already backed up by ReplicationSource {source.name!r} "
            f"({shown(source.manifest.file)}): the compiler's {source_name(claim.name)!r} "
            "would back it up a second time into the same repository",
            "set volsync.existing: true, or remove the hand-written ReplicationSource",
        )
    elif source is None and existing(service):
        yield existing_source.at(
            doc,
            ("spec", "volsync", "existing"),
            f"volsync.existing is set, but no ReplicationSource of the app's build backs up "
            f"PVC {claim.name!r}: nothing would",
            "remove volsync.existing, or add the ReplicationSource (e.g. the Component)",
        )
    elif source is not None:
        counted = context.analysis.schedules.cron_for(seed(service, claim.name))
        gap = gap_of(source.schedule)
        if gap is None or gap > max_gap_seconds(counted):
            yield existing_source.at(
                doc,
                claim.origin,
                f"ReplicationSource {source.name!r} runs on {source.schedule!r}, sparser than "
                f"the class's {counted!r} the analysis counts for PVC {claim.name!r}",
                "set the class's volsync.schedule to the ReplicationSource's",
            )


RULES = (shared_repository, pvc_missing, mover_identity_unknown, existing_source)
