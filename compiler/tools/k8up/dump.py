"""A consistent K8up copy of one SQLite database: a K8up backup command (``sqliteDump``).

K8up v2.15.0 (``cmd/operator/main.go``, ``restic/kubernetes/pod_list.go``,
``pod_exec.go``) runs the command of a running pod's ``k8up.io/backupcommand`` annotation in
the container named by ``k8up.io/backupcommand-container`` (else the first one; kustomize
puts the merged-in Litestream sidecar first, so it is always set) and stores its stdout as
one file with the extension of ``k8up.io/file-extension``. The command is split into words
(``qsplit``) and run without a shell, so no redirection: ``sqlite3 <db> .dump`` streams a
consistent SQL dump (one read transaction) to stdout; ``.backup /dev/stdout`` does not work.
With the Schedule's ``labelSelectors`` K8up looks only at pods carrying those labels
(``operator/backupcontroller/backup_utils.go``): the pod template gets the service label.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from compiler.analyse import EffectiveService
from compiler.core.diagnostics import Diagnostic
from compiler.core.emit import dump as emit
from compiler.plan import SERVICE_LABEL, ComponentPatch, ObjectRef
from compiler.rules import PolicyContext, policy_rule
from compiler.tools.k8up.settings import SERVICE, SqliteDump

COMMAND = "k8up.io/backupcommand"
CONTAINER = "k8up.io/backupcommand-container"
EXTENSION = "k8up.io/file-extension"
FILE_EXTENSION = ".sql"
PATCH_FILE = "patches/sqlite-dump.yaml"
"""Sorts after ``patches/litestream.yaml``: kustomize applies a Component's patches in order,
and a HelmRelease's append to ``spec.postRenderers`` must come after the patch creating it."""
REMEDY = "set k8up.sqliteDump in the service policy to store a consistent dump instead"


def sqlite_dump(service: EffectiveService) -> SqliteDump | None:
    """The service's dump, when it uses K8up."""
    options = SERVICE.of(service.source.policy.spec)
    if options is None or "k8up" not in service.methods:
        return None
    return options.sqlite_dump


def command(database: str) -> str:
    """What K8up runs: a consistent SQL dump on stdout (no shell)."""
    return f"sqlite3 {database} .dump"


def container(service: EffectiveService, dump: SqliteDump) -> str | None:
    return dump.container or service.source.policy.spec.workload.container


def quiesced(dump: SqliteDump) -> str:
    """Why the K8up copy of the database counts."""
    return f"consistent: K8up stores `{command(dump.database)}` (k8up.io/backupcommand)"


def _pod(kind: str, name: str, annotations: dict[str, str], service: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name},
        "spec": {
            "template": {
                "metadata": {"labels": {SERVICE_LABEL: service}, "annotations": annotations}
            }
        },
    }


def patch(service: EffectiveService) -> ComponentPatch | None:
    """The annotations on the pod template (a post-renderer appended for a HelmRelease)."""
    dump = sqlite_dump(service)
    name = container(service, dump) if dump is not None else None
    if dump is None or name is None:
        return None
    annotations = {COMMAND: command(dump.database), CONTAINER: name, EXTENSION: FILE_EXTENSION}
    workload = service.source.policy.spec.workload
    origin = ("spec", "workload", "name")
    skipped = "K8up would copy only the database file, not a consistent dump"
    if workload.kind != "HelmRelease":
        pod = _pod(workload.kind, workload.name, annotations, service.name)
        target = ObjectRef(workload.kind, workload.name, "apps", "v1")
        return ComponentPatch(PATCH_FILE, target, (pod,), origin, skipped)
    renders = workload.renders
    kind = renders.kind if renders is not None else "Deployment"
    rendered = (renders.name if renders is not None else None) or workload.name
    pod = _pod(kind, rendered, annotations, service.name)
    chart = {"group": "apps", "version": "v1", "kind": kind, "name": rendered}
    renderer = {"kustomize": {"patches": [{"target": chart, "patch": emit(pod)}]}}
    operation = {"op": "add", "path": "/spec/postRenderers/-", "value": renderer}
    target = ObjectRef("HelmRelease", workload.name, "helm.toolkit.fluxcd.io", "v2")
    return ComponentPatch(PATCH_FILE, target, ([operation],), origin, skipped)


@policy_rule(
    "BP332",
    "k8up-sqlite-dump",
    "error",
    passing="sqlite: [{path: /data/app.db, ...}]\nk8up: {sqliteDump: {database: /data/app.db}}",
    failing="sqlite: [{path: /data/app.db, ...}]\nk8up: {sqliteDump: {database: /data/ap.db}}",
)
def dump_rule(context: PolicyContext) -> Iterator[Diagnostic]:
    """A K8up SQLite dump names a database of the service, in a container, with K8up on.

    ``k8up.sqliteDump`` makes K8up run ``sqlite3 <database> .dump`` in the app's pod: the
    database must be one of the service's ``sqlite:`` entries, the service must use the
    method k8up, and the container must be known (``container``, else the workload's; the
    image must have ``sqlite3``). Otherwise nothing would make the copy consistent.
    """
    for service in context.analysis.services:
        options = SERVICE.of(service.source.policy.spec)
        dump = options.sqlite_dump if options is not None else None
        if dump is None:
            continue
        spec = service.source.policy.spec
        at = ("spec", "k8up", "sqliteDump")
        if dump.database not in {db.path for db in spec.sqlite}:
            yield dump_rule.at(
                service.source.doc,
                (*at, "database"),
                f"{service.key}: {dump.database} is not one of the service's sqlite: databases",
                "name the path of a sqlite: entry",
            )
        elif "k8up" not in service.methods:
            yield dump_rule.at(
                service.source.doc,
                at,
                f"{service.key} does not use K8up, so nothing runs the SQLite dump",
                "add k8up to the service's methods, or remove sqliteDump",
                key=True,
            )
        elif container(service, dump) is None:
            yield dump_rule.at(
                service.source.doc,
                at,
                f"{service.key}: no container to run sqlite3 in",
                "set sqliteDump.container or workload.container (its image needs sqlite3)",
                key=True,
            )


RULES = (dump_rule,)
