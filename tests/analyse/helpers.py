"""Policy texts for analysis tests: a cluster with every tool and a service builder."""

from __future__ import annotations

from collections.abc import Callable

from compiler.analyse import Analysis
from compiler.core.diagnostics import Diagnostic
from compiler.registry import DEFAULT, RULES
from compiler.rules import PolicyContext, run_policy_rules

CLUSTER = """\
apiVersion: backup-policy/v1alpha1
kind: ClusterPolicy
metadata: {name: test}
spec:
  targets:
    garage:
      type: s3
      endpoint: http://garage:3900
      bucket: k8up
      credentialsSecret: {name: garage-s3}
      repoPasswordSecret: {name: k8up-repo, key: password}
    minio:
      type: s3
      endpoint: http://minio:9000
      bucket: litestream
      credentialsSecret: {name: minio-s3}
    nas: {type: longhorn-backup-target, offsite: true}
  litestream:
    targets: [garage]
  classes:
    critical:
      rpo: 1h
      rto: 4h
      methods: [longhorn, k8up]
      longhorn:
        target: nas
        snapshot: {schedule: "H/30 * * * *", retain: 48}
        backup: {schedule: "H * * * *", retain: 24}
      k8up: {target: garage}
    important:
      rpo: 24h
      rto: 24h
      methods: [longhorn, k8up]
      longhorn:
        target: nas
        backup: {schedule: "H H(0-5) * * *", retain: 14}
      k8up: {target: garage}
    best-effort:
      rpo: 7d
      rto: 7d
      methods: [k8up]
      k8up: {target: garage, backup: "H H(0-5) * * 0"}
"""


def service(
    name: str,
    *,
    classification: str = "important",
    storage: str = "longhorn",
    extra: str = "",
    volumes: str = "    - {name: data, claim: NAME-data, mountPath: /data}\n",
    namespace: str = "apps",
) -> str:
    """A service policy text; ``extra`` is inserted into spec (two-space indented lines)."""
    return (
        "apiVersion: backup-policy/v1alpha1\nkind: ServicePolicy\n"
        f"metadata: {{name: {name}, namespace: {namespace}}}\n"
        f"spec:\n  classification: {classification}\n  owner: ops\n  storage: {storage}\n"
        f"  workload: {{kind: Deployment, name: {name}}}\n{extra}"
        + ("  volumes:\n" + volumes.replace("NAME", name) if volumes else "")
    )


Analyse = Callable[..., Analysis]


def diagnostics(analysis: Analysis) -> list[Diagnostic]:
    """What the policy rules report about ``analysis``."""
    return list(run_policy_rules(RULES, PolicyContext(analysis, DEFAULT.tools)))
