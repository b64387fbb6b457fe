"""A synthetic repository of many services: plain Deployment apps with one PVC each, their
hand-written kustomizations and one ServicePolicy per service (tests/cases/base's cluster).

The app kustomizations list no Component: `compile --fix` adds `./backup` to the apps that
have a policy and takes it out of those that lose theirs, as a user's tree is kept.
Two policy sets over the same apps differ in every kind of write a compile does: services
only in the first lose their generated files, services only in the second gain theirs, and
a changed classification rewrites the files of the services in both.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import REPO

BASE = REPO / "tests" / "cases" / "base"
NAMESPACES = 20

SERVICE = """\
apiVersion: backup-policy/v1alpha1
kind: ServicePolicy
metadata: {{name: svc-{i}, namespace: ns-{ns}}}
spec:
  classification: {classification}
  owner: ops
  storage: longhorn{methods}
  workload: {{kind: Deployment, name: svc-{i}, container: app}}
  volumes: [{{name: data, claim: svc-{i}-data, mountPath: /data}}]
"""
KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ns-{ns}
resources:
  - ./deployment.yaml
  - ./pvc.yaml
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: svc-{i}}}
spec:
  selector: {{matchLabels: {{app: svc-{i}}}}}
  template:
    metadata: {{labels: {{app: svc-{i}}}}}
    spec:
      containers: [{{name: app, image: nginx, volumeMounts: [{{name: data, mountPath: /data}}]}}]
      volumes: [{{name: data, persistentVolumeClaim: {{claimName: svc-{i}-data}}}}]
"""
PVC = """\
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: svc-{i}-data}}
spec: {{accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 1Gi}}}}}}
"""
# K8up takes one backup start per minute and target: a quarter of the services use it.
LONGHORN_ONLY = "\n  methods: [longhorn]"


def write_apps(root: Path, services: range) -> None:
    """The hand-written app folders of ``services`` below ``root/out``, and the Flux entry
    that applies them (the base case's)."""
    shutil.copytree(BASE / "out/kubernetes/flux", root / "out/kubernetes/flux", dirs_exist_ok=True)
    for i in services:
        ns = i % NAMESPACES
        app = root / "out" / "kubernetes" / "apps" / f"ns-{ns}" / f"svc-{i}"
        app.mkdir(parents=True, exist_ok=True)
        (app / "kustomization.yaml").write_text(KUSTOMIZATION.format(ns=ns))
        (app / "deployment.yaml").write_text(DEPLOYMENT.format(i=i))
        (app / "pvc.yaml").write_text(PVC.format(i=i))


def write_policies(root: Path, services: range, critical_every: int = 0) -> None:
    """``root/policies`` holding exactly ``services``; every ``critical_every``-th one is
    critical, the others important."""
    policies = root / "policies"
    shutil.rmtree(policies, ignore_errors=True)
    (policies / "services").mkdir(parents=True)
    shutil.copyfile(BASE / "policies" / "cluster.yaml", policies / "cluster.yaml")
    for i in services:
        critical = critical_every and i % critical_every == 0
        text = SERVICE.format(
            i=i,
            ns=i % NAMESPACES,
            classification="critical" if critical else "important",
            methods="" if i % 4 == 0 else LONGHORN_ONLY,
        )
        (policies / "services" / f"svc-{i}.yaml").write_text(text)


def synthetic_repo(root: Path, services: range, critical_every: int = 0) -> Path:
    """A repository at ``root`` (its own git top level) with the apps and policies of
    ``services``; not compiled yet."""
    (root / ".git").mkdir(parents=True)
    write_apps(root, services)
    write_policies(root, services, critical_every)
    return root
