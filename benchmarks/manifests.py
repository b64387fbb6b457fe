"""The app tree of the generated homelab: the example's manifests, with names filled in."""

from __future__ import annotations

PLAIN_KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: {namespace}
resources:
  - ./pvc.yaml
  - ./workload.yaml
components:
  - ./backup
"""

PVC = """\
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {claim}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: {storage_class}
  resources:
    requests: {{storage: 1Gi}}
"""

_POD = """\
  selector:
    matchLabels: {{app.kubernetes.io/name: {name}}}
  template:
    metadata:
      labels: {{app.kubernetes.io/name: {name}}}
    spec:
      containers:
        - name: app
          image: ghcr.io/example/{name}:1.0.0
          ports: [{{name: http, containerPort: 8080}}]
          volumeMounts: [{{name: data, mountPath: /data}}]
      volumes:
        - name: data
          persistentVolumeClaim: {{claimName: {name}-data}}
"""

DEPLOYMENT = (
    """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 1
  strategy: {{type: Recreate}}
"""
    + _POD
)

STATEFULSET = (
    """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {name}
spec:
  serviceName: {name}
  replicas: 1
"""
    + _POD
)

FLUX_ENTRY = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: cluster-apps
  namespace: flux-system
spec:
  interval: 30m
  path: ./kubernetes/apps
  prune: true
  sourceRef: {kind: GitRepository, name: home-kubernetes}
"""

NAMESPACE = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
{}"""

FLUX_KS = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {name}
  namespace: flux-system
spec:
  targetNamespace: {namespace}
  path: ./{folder}/app
  prune: true
  sourceRef: {{kind: GitRepository, name: home-kubernetes}}
  interval: 30m
"""

FLUX_APP_KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: {namespace}
resources:
{pvc}  - ./helmrelease.yaml
components:
  - ../backup
"""

HELMRELEASE = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: {name}
spec:
  interval: 1h
  chart:
    spec:
      chart: app-template
      version: 3.7.3
      sourceRef: {{kind: HelmRepository, name: bjw-s, namespace: flux-system}}
  values:
    controllers:
      app:
        containers:
          main:
            image: {{repository: ghcr.io/example/{name}, tag: 1.0.0}}
    service:
      app:
        controller: app
        ports: {{http: {{port: 8080}}}}
    persistence:
{persistence}"""

CLAIM_PERSISTENCE = """\
      {volume}:
        existingClaim: {name}-{volume}
        globalMounts: [{{path: {path}}}]
"""

EMPTYDIR_PERSISTENCE = """\
      data:
        type: emptyDir
        globalMounts: [{path: /data}]
"""
