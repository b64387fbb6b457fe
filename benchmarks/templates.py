"""The policies of the generated homelab: the example's shapes, with names filled in."""

from __future__ import annotations

CLUSTER = """\
apiVersion: backup-policy/v1alpha1
kind: ClusterPolicy
metadata:
  name: bench
spec:
  output:
    root: out
  flux:
    substitution: true
  timezone: Europe/Zurich
  targets:
    garage:
      type: s3
      endpoint: http://garage.storage.svc.cluster.local:3900
      region: garage
      bucket: k8up
      credentialsSecret: {name: garage-s3}
      repoPasswordSecret: {name: k8up-repo, key: password}
    garage-critical:
      type: s3
      endpoint: http://garage.storage.svc.cluster.local:3900
      region: garage
      bucket: k8up-critical
      credentialsSecret: {name: garage-s3}
      repoPasswordSecret: {name: k8up-repo, key: password}
    garage-archive:
      type: s3
      endpoint: http://garage.storage.svc.cluster.local:3900
      region: garage
      bucket: k8up-archive
      credentialsSecret: {name: garage-s3}
      repoPasswordSecret: {name: k8up-repo, key: password}
    minio-nas:
      type: s3
      endpoint: http://nas.home.arpa:9000
      bucket: litestream
      credentialsSecret: {name: minio-nas-s3}
      offsite: true
    nas: {type: longhorn-backup-target, name: default, offsite: true}
    velero-garage: {type: velero-storage-location, name: default}
  litestream:
    version: "0.3"
    targets: [garage]
    cleanup: {schedule: H H(1-5) * * *, retention: 7d}
  classes:
    critical:
      rpo: 1h
      rto: 4h
      restoreTest: quarterly
      methods: [longhorn, k8up]
      longhorn:
        target: nas
        snapshot: {schedule: "H/30 * * * *", retain: 48}
        backup: {schedule: "H * * * *", retain: 24}
      k8up:
        target: garage-critical
        backup: H H(0-5) * * *
        check: H H(8-20) * * 0
        prune: H H(8-20) * * 6
        retention: {keepLast: 5, keepDaily: 14, keepWeekly: 8, keepMonthly: 12}
      velero: {target: velero-garage, schedule: H H(0-5) * * *, ttl: 30d}
    important:
      rpo: 24h
      rto: 24h
      restoreTest: half-yearly
      methods: [longhorn, k8up]
      longhorn:
        target: nas
        snapshot: {schedule: "H */6 * * *", retain: 8}
        backup: {schedule: "H H(0-5) * * *", retain: 14}
      k8up: {target: garage, backup: H H(0-5) * * *}
      velero: {target: velero-garage, schedule: H H(0-5) * * *, ttl: 14d}
    best-effort:
      rpo: 7d
      rto: 7d
      restoreTest: yearly
      methods: [k8up]
      k8up:
        target: garage-archive
        backup: H H(0-5) * * 0
        check: H H(8-20) 1 * *
        prune: H H(8-20) 15 * *
        window: 2h
        retention: {keepLast: 3, keepWeekly: 4}
"""

RESTORE_PLAN = """\
apiVersion: backup-policy/v1alpha1
kind: RestoreTestPlan
metadata:
  name: bench
spec:
  tests:
    - id: BT-LH-01
      title: Restore a Longhorn volume from its latest backup into a new PVC
      type: longhorn-snapshot
      scope: {{namespaces: [{namespaces}]}}
      frequency: quarterly
      responsible: storage-lead
      protocol:
        - {{date: {recent}, result: passed, owner: storage-lead, duration: 25m}}
    - id: BT-K8-01
      title: Restore PVCs from the K8up restic repositories
      type: k8up-restic
      scope: {{namespaces: [{namespaces}]}}
      frequency: quarterly
      responsible: storage-lead
      protocol:
        - {{date: {recent}, result: passed, owner: storage-lead, duration: 1h10m}}
    - id: BT-VL-01
      title: Restore a namespace with Velero into a scratch namespace
      type: velero-namespace
      scope: {{namespaces: [{namespaces}]}}
      frequency: half-yearly
      responsible: platform
      protocol:
        - {{date: {recent}, result: passed, owner: platform, duration: 40m}}
    - id: BT-DR-01
      title: Full disaster recovery of the cluster from offsite copies
      type: full-dr
      scope: {{namespaces: [{namespaces}]}}
      frequency: yearly
      responsible: storage-lead
      protocol:
        - {{date: {recent}, result: passed, owner: storage-lead, duration: 3h30m}}
"""

POLICY_HEAD = """\
apiVersion: backup-policy/v1alpha1
kind: ServicePolicy
metadata:
  name: {name}
  namespace: {namespace}
spec:
"""

STATEFULSET_POLICY = """\
  classification: critical
  owner: storage-lead
  storage: longhorn
{methods}  workload: {{kind: StatefulSet, name: {name}, container: app}}
  volumes:
    - {{name: data, claim: {name}-data, mountPath: /data}}
  restoreTests: [BT-LH-01, BT-DR-01]
"""

DEPLOYMENT_POLICY = """\
  classification: {cls}
  owner: platform
  storage: longhorn
  methods: [longhorn]
  workload: {{kind: Deployment, name: {name}, container: app}}
  volumes:
    - {{name: data, claim: {name}-data, mountPath: /data}}
{extra}  restoreTests: [BT-LH-01, BT-DR-01]
"""

SQLITE_05 = """\
  sqlite:
    - {path: /data/app.db, volume: data}
  litestream: {version: "0.5"}
"""

IPAM_POLICY = """\
  classification: important
  owner: network-lead
  storage: synology-csi
  methods: [k8up]
  workload: {{kind: Deployment, name: {name}, container: app}}
  volumes:
    - {{name: data, claim: {name}-data, mountPath: /data}}
  sqlite:
    - {{path: /data/app.db, volume: data, targets: [garage, minio-nas]}}
  restoreTests: [BT-K8-01, BT-DR-01]
"""

HELM_PVC_POLICY = """\
  classification: important
  owner: platform
  storage: longhorn
  methods: [longhorn, velero]
  workload: {{kind: HelmRelease, name: {name}, controller: app, container: main}}
  volumes:
    - {{name: data, claim: {name}-data, mountPath: /data}}
    - {{name: media, claim: {name}-media, mountPath: /media}}
  sqlite:
    - {{path: /data/db.sqlite3, volume: data}}
  restoreTests: [BT-LH-01, BT-VL-01, BT-DR-01]
"""

_EMPTYDIR_SQLITE = """\
  workload: {{kind: HelmRelease, name: {name}, controller: app, container: main}}
  volumes:
    - {{name: data, emptyDir: true, mountPath: /data}}
  sqlite:
    - {{path: /data/db.sqlite3, volume: data}}
  acknowledge:
    - {{id: BP315, reason: the replica is the only copy by design}}
"""

HELM_EMPTYDIR_POLICY = (
    """\
  classification: important
  owner: platform
  storage: external
  methods: [velero]
"""
    + _EMPTYDIR_SQLITE
    + "  restoreTests: [BT-VL-01, BT-DR-01]\n"
)

BEST_EFFORT_POLICY = (
    """\
  classification: best-effort
  owner: platform
  storage: external
  methods: []
"""
    + _EMPTYDIR_SQLITE
    + "  restoreTests: [BT-DR-01]\n"
)

BEST_EFFORT_K8UP_POLICY = """\
  classification: best-effort
  owner: platform
  storage: synology-csi
  workload: {{kind: HelmRelease, name: {name}, controller: app, container: main}}
  volumes:
    - {{name: data, claim: {name}-data, mountPath: /data}}
  restoreTests: [BT-K8-01]
"""
