"""A synthetic homelab of N services: the policies and the app tree they are compiled into.

The shapes are the example's (``policies/``, ``out/``), in a cycle of six kinds of app
(``i % 6``: class; workload and layout; storage; methods; data):

0. critical; StatefulSet in a plain folder; longhorn; longhorn (+ k8up); a PVC
1. important; app-template HelmRelease, Flux layout; longhorn; longhorn + velero; two PVCs
   and SQLite (Litestream 0.3)
2. important; Deployment, plain folder; longhorn, or synology-csi with k8up; a PVC (and,
   with k8up, SQLite replicated to two targets)
3. important; app-template HelmRelease, Flux layout; external; velero; emptyDir + SQLite
   (BP315 acknowledged)
4. best-effort; app-template HelmRelease, Flux layout; synology-csi with k8up, or external
   with no method; a PVC, or emptyDir + SQLite
5. critical; Deployment, plain folder; longhorn; longhorn; a PVC and SQLite (Litestream 0.5)

Every 8th service uses K8up, one K8up target per class: a restic repository takes one
backup start per minute and the nightly window ``H(0-5)`` holds 360 (BP341), so 5,000
services put about 210 backups on each target. Twenty services share a namespace (one
Velero Schedule each). The tree is written without ``backup/`` folders and without the
shared folders: compile adds them (and the ``ks.yaml`` beside each shared folder that the
storage and observability namespaces already list, as a user would after the first run).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from benchmarks import manifests as m
from benchmarks import templates as t

PER_NAMESPACE = 20
# The shared folders the compile writes (each with a ks.yaml), by namespace folder.
SHARED = {
    "storage": ("longhorn/recurring-jobs", "velero/schedules", "litestream-cleanup"),
    "observability": ("backup-policy",),
}
NAMESPACES = ("media", "productivity", "automation", "home", "network", "tools", "games", "docs")
APPS = ("paperless", "jellyfin", "n8n", "homebox", "ipam", "linkding", "spoolman", "vikunja")


@dataclass(frozen=True)
class App:
    """One generated service: its policy and the app folder it describes."""

    index: int
    namespace: str
    name: str

    @property
    def kind(self) -> int:
        return self.index % 6

    @property
    def k8up(self) -> bool:
        return self.index % 8 == 0

    @property
    def folder(self) -> str:
        return f"kubernetes/apps/{self.namespace}/{self.name}"


def apps(count: int) -> list[App]:
    found = []
    for i in range(count):
        group = i // PER_NAMESPACE
        namespace = f"{NAMESPACES[group % len(NAMESPACES)]}-{group // len(NAMESPACES)}"
        found.append(App(i, namespace, f"{APPS[i % len(APPS)]}-{i}"))
    return found


def _policy(app: App) -> str:
    """The ServicePolicy of ``app`` (see the table in the module docstring)."""
    head = t.POLICY_HEAD.format(name=app.name, namespace=app.namespace)
    kind, k8up = app.kind, app.k8up
    if kind == 0:
        methods = "" if k8up else "  methods: [longhorn]\n"
        return head + t.STATEFULSET_POLICY.format(name=app.name, methods=methods)
    if kind == 1:
        return head + t.HELM_PVC_POLICY.format(name=app.name)
    if kind == 2 and k8up:
        return head + t.IPAM_POLICY.format(name=app.name)
    if kind == 2:
        return head + t.DEPLOYMENT_POLICY.format(name=app.name, cls="important", extra="")
    if kind == 3:
        return head + t.HELM_EMPTYDIR_POLICY.format(name=app.name)
    if kind == 4 and k8up:
        return head + t.BEST_EFFORT_K8UP_POLICY.format(name=app.name)
    if kind == 4:
        return head + t.BEST_EFFORT_POLICY.format(name=app.name)
    return head + t.DEPLOYMENT_POLICY.format(name=app.name, cls="critical", extra=t.SQLITE_05)


def _plain(app: App, workload: str) -> dict[str, str]:
    """A plain app folder: ``<app>/kustomization.yaml`` with the workload and its PVC."""
    return {
        "kustomization.yaml": m.PLAIN_KUSTOMIZATION.format(namespace=app.namespace),
        "pvc.yaml": m.PVC.format(claim=f"{app.name}-data", storage_class="longhorn"),
        "workload.yaml": workload.format(name=app.name),
    }


def _flux(
    app: App, persistence: str, claims: tuple[str, ...], storage_class: str
) -> dict[str, str]:
    """The Flux layout: ``<app>/ks.yaml`` and ``<app>/app/`` holding the HelmRelease."""
    files = {
        "ks.yaml": m.FLUX_KS.format(name=app.name, namespace=app.namespace, folder=app.folder),
        "app/kustomization.yaml": m.FLUX_APP_KUSTOMIZATION.format(
            namespace=app.namespace, pvc="  - ./pvc.yaml\n" if claims else ""
        ),
        "app/helmrelease.yaml": m.HELMRELEASE.format(name=app.name, persistence=persistence),
    }
    if claims:
        files["app/pvc.yaml"] = "".join(
            m.PVC.format(claim=claim, storage_class=storage_class) for claim in claims
        )
    return files


def _app_files(app: App) -> dict[str, str]:
    kind, k8up, name = app.kind, app.k8up, app.name
    if kind == 0:
        return _plain(app, m.STATEFULSET)
    if kind in (2, 5):
        files = _plain(app, m.DEPLOYMENT)
        if kind == 2 and k8up:
            files["pvc.yaml"] = m.PVC.format(claim=f"{name}-data", storage_class="synology-iscsi")
        return files
    if kind == 1:
        persistence = m.CLAIM_PERSISTENCE.format(name=name, volume="data", path="/data")
        persistence += m.CLAIM_PERSISTENCE.format(name=name, volume="media", path="/media")
        return _flux(app, persistence, (f"{name}-data", f"{name}-media"), "longhorn")
    if kind == 4 and k8up:
        persistence = m.CLAIM_PERSISTENCE.format(name=name, volume="data", path="/data")
        return _flux(app, persistence, (f"{name}-data",), "synology-iscsi")
    return _flux(app, m.EMPTYDIR_PERSISTENCE, (), "")


def _restore_plan(namespaces: list[str]) -> str:
    """Four tests over every namespace, each passed a month ago."""
    recent = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    return t.RESTORE_PLAN.format(namespaces=", ".join(namespaces), recent=recent)


def _flux_tree(generated: list[App]) -> dict[str, str]:
    """What Flux syncs: the entry ``kubernetes/flux`` applies ``kubernetes/apps``, where each
    namespace's kustomization lists its apps (the ``ks.yaml`` of a Flux-layout app, a plain
    app's folder) and the storage and observability ones the ``ks.yaml`` the compile writes
    beside each shared folder."""
    entries: dict[str, list[str]] = {ns: [] for ns in SHARED}
    for app in generated:
        flux_layout = app.kind in (1, 3, 4)
        entries.setdefault(app.namespace, []).append(
            f"./{app.name}/ks.yaml" if flux_layout else f"./{app.name}"
        )
    files = {"kubernetes/flux/cluster/ks.yaml": m.FLUX_ENTRY}
    for namespace, listed in entries.items():
        listed += [f"./{folder}/ks.yaml" for folder in SHARED.get(namespace, ())]
        lines = "".join(f"  - {entry}\n" for entry in listed)
        files[f"kubernetes/apps/{namespace}/kustomization.yaml"] = m.NAMESPACE.format(lines)
    return files


def generate(root: Path, count: int) -> Path:
    """Write ``root/policies`` and ``root/out`` for ``count`` services; returns the policies."""
    policies = root / "policies"
    (policies / "services").mkdir(parents=True)
    (policies / "cluster.yaml").write_text(t.CLUSTER)
    generated = apps(count)
    namespaces = sorted({app.namespace for app in generated})
    (policies / "restore-tests.yaml").write_text(_restore_plan(namespaces))
    files = _flux_tree(generated)
    for app in generated:
        (policies / "services" / f"{app.name}.yaml").write_text(_policy(app))
        files |= {f"{app.folder}/{rel}": text for rel, text in _app_files(app).items()}
    for relative, text in files.items():
        path = root / "out" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return policies
