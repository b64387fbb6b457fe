"""Test support: upstream CRDs (closed as in kubeconform -strict), core kinds, kustomize."""

from __future__ import annotations

import copy
import os
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.support.validation import (
    CRDLoadError,
    KustomizeError,
    SchemaProblem,
    SchemaRegistry,
    kustomize_build,
    validate_stream,
)
from tests.support.validation.cel import compile_rule
from tests.support.validation.crds import load_crd_catalog

REPO = Path(__file__).resolve().parents[2]
CRDS_ENV = "BACKUP_POLICY_CRDS"
IN_CI = os.environ.get("CI") == "true"


def crd_dir() -> Path:
    return Path(os.environ.get(CRDS_ENV) or REPO.parent / "shared" / "crds")


def meta(name: str, namespace: str | None = "backup") -> dict[str, Any]:
    data: dict[str, Any] = {"name": name, "labels": {"app.kubernetes.io/managed-by": "bp"}}
    if namespace:
        data["namespace"] = namespace
    return data


SECRET_KEY = {"name": "s3", "key": "access-key-id"}
K8UP_SCHEDULE: dict[str, Any] = {
    "apiVersion": "k8up.io/v1",
    "kind": "Schedule",
    "metadata": meta("bp-paperless"),
    "spec": {
        "backend": {
            "repoPasswordSecretRef": {"name": "k8up-repo", "key": "password"},
            "s3": {
                "endpoint": "http://garage.storage.svc:3900",
                "bucket": "k8up",
                "accessKeyIDSecretRef": SECRET_KEY,
                "secretAccessKeySecretRef": {"name": "s3", "key": "secret"},
            },
        },
        "backup": {"schedule": "@daily-random", "labelSelectors": [{"matchLabels": {"a": "b"}}]},
        "check": {"schedule": "0 11 * * 0"},
        "prune": {
            "schedule": "44 11 * * 6",
            "retention": {"keepLast": 5, "keepDaily": 14, "keepWeekly": 8, "keepMonthly": 12},
        },
        "successfulJobsHistoryLimit": 2,
        "failedJobsHistoryLimit": 2,
    },
}
LONGHORN_JOB = {
    "apiVersion": "longhorn.io/v1beta2",
    "kind": "RecurringJob",
    "metadata": meta("bp-critical-backup", "longhorn-system"),
    "spec": {
        "name": "bp-critical-backup",
        "task": "backup",
        "cron": "15 2 * * *",
        "retain": 14,
        "concurrency": 2,
        "groups": ["bp-critical"],
        "labels": {"backup-policy.io/tier": "critical"},
        "parameters": {"full-backup-interval": "7"},
    },
}
VELERO_SCHEDULE: dict[str, Any] = {
    "apiVersion": "velero.io/v1",
    "kind": "Schedule",
    "metadata": meta("bp-cluster", "velero"),
    "spec": {
        "schedule": "30 3 * * *",
        "skipImmediately": True,
        "useOwnerReferencesInBackup": False,
        "template": {
            "includedNamespaces": ["productivity"],
            "ttl": "720h0m0s",
            "storageLocation": "s3",
        },
    },
}
PROMETHEUS_RULE = {
    "apiVersion": "monitoring.coreos.com/v1",
    "kind": "PrometheusRule",
    "metadata": meta("bp-alerts", "monitoring"),
    "spec": {
        "groups": [
            {
                "name": "backup-policy",
                "partial_response_strategy": "ABORT",  # Go `^(?i)(abort|warn)?$`
                "rules": [
                    {
                        "alert": "BackupTooOld",
                        "expr": "time() - k8up_backup_last_success > 90000",
                        "for": "15m",
                        "labels": {"severity": "critical"},
                        "annotations": {"summary": "paperless backup is stale"},
                    },
                    {"record": "bp:backup_age:seconds", "expr": 1},  # int-or-string
                ],
            }
        ]
    },
}
POD_MONITOR = {
    "apiVersion": "monitoring.coreos.com/v1",
    "kind": "PodMonitor",
    "metadata": meta("litestream", "productivity"),
    "spec": {
        "selector": {"matchLabels": {"app.kubernetes.io/name": "paperless"}},
        "podMetricsEndpoints": [{"port": "litestream", "path": "/metrics", "targetPort": 9090}],
    },
}
VOLUME_SNAPSHOT = {
    "apiVersion": "snapshot.storage.k8s.io/v1",
    "kind": "VolumeSnapshot",
    "metadata": meta("paperless-data-pre-upgrade", "productivity"),
    "spec": {
        "volumeSnapshotClassName": "longhorn-snapshot",
        "source": {"persistentVolumeClaimName": "paperless-data"},
    },
}
HELM_RELEASE = {
    "apiVersion": "helm.toolkit.fluxcd.io/v2",
    "kind": "HelmRelease",
    "metadata": meta("paperless", "productivity"),
    "spec": {
        "interval": "30m",
        "chartRef": {"kind": "OCIRepository", "name": "app-template", "namespace": "flux-system"},
        "values": {"anything": {"goes": ["here", 1, None]}},
        "postRenderers": [
            {
                "kustomize": {
                    "patches": [
                        {
                            "target": {"kind": "PersistentVolumeClaim", "name": "paperless-data"},
                            "patch": "- op: add\n  path: /metadata/labels/x\n  value: y\n",
                        }
                    ]
                }
            }
        ],
    },
}
CONFIG_MAP = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": meta("litestream-config", "productivity"),
    "data": {"litestream.yml": "dbs: []\n"},
}
DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": meta("python-ipam", "network"),
    "spec": {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "python-ipam"}},
        "template": {
            "metadata": {"labels": {"app": "python-ipam"}},
            "spec": {
                "containers": [
                    {"name": "app", "image": "ghcr.io/x/ipam:1.0", "ports": [{"containerPort": 80}]}
                ]
            },
        },
    },
}
VALID = [K8UP_SCHEDULE, LONGHORN_JOB, VELERO_SCHEDULE, PROMETHEUS_RULE, POD_MONITOR]
VALID += [VOLUME_SNAPSHOT, HELM_RELEASE, CONFIG_MAP, DEPLOYMENT]


def changed(obj: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``obj`` with dotted ``path`` set to ``value`` (``...`` deletes it)."""
    result = copy.deepcopy(obj)
    *parents, last = path.split(".")
    node: Any = result
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return result


def problems_at(problems: list[SchemaProblem]) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in problems]


# --- loading ---------------------------------------------------------------------------


def test_registry_has_every_upstream_kind(schema_registry: SchemaRegistry) -> None:
    kinds = set(schema_registry.kinds)
    for obj in VALID[:7]:
        assert (obj["apiVersion"], obj["kind"]) in kinds
    assert ("snapshot.storage.k8s.io/v1beta1", "VolumeSnapshot") not in kinds
    assert len(kinds) >= 22  # every served version of the 22 upstream CRD files


def test_core_schemas_are_pinned(schema_registry: SchemaRegistry) -> None:
    assert schema_registry.kubernetes_version == "1.32"
    assert schema_registry.core_validator_version is not None


def test_loader_reads_multi_document_files_and_ignores_the_rest(tmp_path: Path) -> None:
    crd = textwrap.dedent(
        """\
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {{name: widgets.example.com}}
        spec:
          group: example.com
          names: {{kind: {kind}}}
          versions:
            - name: v1
              served: true
              schema: {{openAPIV3Schema: {{type: object, properties: {{spec: {{type: object,
                properties: {{size: {{type: integer, format: int32}},
                  at: {{type: string, format: date-time}}}}}}}}}}}}
            - name: v0
              served: false
        """
    )
    (tmp_path / "bundle.yaml").write_text(
        crd.format(kind="Widget")
        + "---\napiVersion: v1\nkind: ConfigMap\n---\n"
        + crd.format(kind="Gadget")
    )
    (tmp_path / "notes.txt").write_text(crd.format(kind="Ignored"))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "more.yaml").write_text(crd.format(kind="Nested"))
    catalog = load_crd_catalog(tmp_path)
    assert sorted(catalog.schemas) == [("example.com/v1", "Gadget"), ("example.com/v1", "Widget")]
    registry = SchemaRegistry(catalog)
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    assert registry.validate_object({**widget, "spec": {"size": 3}}) == []
    assert problems_at(registry.validate_object({**widget, "spec": {"sise": 3}})) == [
        ("spec.sise", 'unknown field "sise"')
    ]
    formats = {"size": 2**31, "at": "2024-01-01 10:00"}  # int32 overflow; no zone, no 'T'
    assert [p.path for p in registry.validate_object({**widget, "spec": formats})] == [
        "spec.at",
        "spec.size",
    ]
    old = registry.validate_object({**widget, "apiVersion": "example.com/v0"})
    assert "version not served (served: example.com/v1)" in old[0].message


def test_kubernetes_version_choice(tmp_path: Path) -> None:
    (tmp_path / "crd.yaml").write_text(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "spec: {group: example.com, names: {kind: W}, versions: [{name: v1, served: true}]}\n"
    )
    catalog = load_crd_catalog(tmp_path)
    assert SchemaRegistry(catalog, kubernetes_version="v1.30.2").kubernetes_version == "1.30"
    with pytest.raises(ValueError, match=r"no schemas for Kubernetes 1\.2 "):
        SchemaRegistry(catalog, kubernetes_version="1.2")
    # a served version without a schema still gets apiVersion/kind/metadata checked
    registry = SchemaRegistry(catalog)
    assert registry.validate_object({"apiVersion": "example.com/v1", "kind": "W"}) == [
        SchemaProblem("example.com/v1", "W", "", "metadata", "missing required field")
    ]
    assert any("no schema" in note for note in registry.notes)


def test_loader_errors(tmp_path: Path) -> None:
    with pytest.raises(CRDLoadError, match="does not exist"):
        load_crd_catalog(tmp_path / "missing")
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n")
    with pytest.raises(CRDLoadError, match="no served CustomResourceDefinition"):
        load_crd_catalog(tmp_path)
    (tmp_path / "bad.yaml").write_text("a: 1\na: 2\n")
    with pytest.raises(CRDLoadError, match="duplicate key"):
        load_crd_catalog(tmp_path)


# --- custom resources ------------------------------------------------------------------


@pytest.mark.parametrize("obj", VALID, ids=lambda o: f"{o['apiVersion']}-{o['kind']}")
def test_valid_objects_pass(schema_registry: SchemaRegistry, obj: dict[str, Any]) -> None:
    assert schema_registry.validate_object(obj) == []


def test_typo_fails_at_its_path(schema_registry: SchemaRegistry) -> None:
    bad = changed(K8UP_SCHEDULE, "spec.backup.schedul", "@daily")
    [problem] = schema_registry.validate_object(bad)
    assert problem == SchemaProblem(
        "k8up.io/v1", "Schedule", "bp-paperless", "spec.backup.schedul", 'unknown field "schedul"'
    )


@pytest.mark.parametrize(
    ("obj", "path", "value", "expected"),
    [
        (VELERO_SCHEDULE, "spec.ttl", "720h", ("spec.ttl", 'unknown field "ttl"')),
        (VELERO_SCHEDULE, "spec.template", ..., ("spec.template", "missing required field")),
        (LONGHORN_JOB, "spec.retain", "14", ("spec.retain", "expected integer, got string")),
        (LONGHORN_JOB, "spec.task", "snapshot-deletee", ("spec.task", None)),
        (
            K8UP_SCHEDULE,
            "spec.prune.retention.keepLast",
            None,
            (None, "expected integer, got null"),
        ),
        (PROMETHEUS_RULE, "spec.groups.0.partial_response_strategy", "none", (None, None)),
        (
            POD_MONITOR,
            "spec.podMetricsEndpoints.0.targetPort",
            1.5,
            (None, "expected integer or string, got number"),
        ),
        (
            HELM_RELEASE,
            "spec.postRenderers.0.kustomize.patches.0.patchh",
            "x",
            (None, 'unknown field "patchh"'),
        ),
        (
            K8UP_SCHEDULE,
            "metadata.labels",
            {"k8up.io/backup": False},
            ('metadata.labels["k8up.io/backup"]', None),
        ),
    ],
)
def test_schema_violations(
    schema_registry: SchemaRegistry,
    obj: dict[str, Any],
    path: str,
    value: Any,
    expected: tuple[str | None, str | None],
) -> None:
    problems = schema_registry.validate_object(changed(obj, path, value))
    assert len(problems) == 1, problems
    want_path, want_message = expected
    assert problems[0].path == (want_path or re.sub(r"\.(\d+)", r"[\1]", path))
    if want_message:
        assert problems[0].message == want_message


def test_nullable_and_int_or_string(schema_registry: SchemaRegistry) -> None:
    as_string = changed(POD_MONITOR, "spec.podMetricsEndpoints.0.targetPort", "metrics")
    assert schema_registry.validate_object(as_string) == []
    nullable = changed(VELERO_SCHEDULE, "spec.template.excludedNamespaces", None)
    assert schema_registry.validate_object(nullable) == []
    helm = changed(HELM_RELEASE, "spec.driftDetection", {"mode": "enabled", "ignore": None})
    assert problems_at(schema_registry.validate_object(helm)) == [
        ("spec.driftDetection.ignore", "expected array, got null")
    ]


def test_cel_rules_are_checked(schema_registry: SchemaRegistry) -> None:
    both = changed(VOLUME_SNAPSHOT, "spec.source.volumeSnapshotContentName", "content-1")
    neither = changed(VOLUME_SNAPSHOT, "spec.source.persistentVolumeClaimName", ...)
    for obj in (both, neither):
        [problem] = schema_registry.validate_object(obj)
        assert problem.path == "spec.source"
        assert "exactly one of" in problem.message
    [problem] = schema_registry.validate_object(changed(HELM_RELEASE, "spec.chartRef", ...))
    assert (problem.path, problem.message) == ("spec", "either chart or chartRef must be set")


def test_cel_subset() -> None:
    rule = compile_rule("(has(self.a) && !has(self.b)) || (!has(self.a) && has(self.b))")
    assert rule is not None
    assert (rule({"a": 1}), rule({"a": 1, "b": 2}), rule({})) == (True, False, False)
    named = compile_rule("has(self.name) && has(self.__namespace__)")
    assert named is not None and named({"name": "x", "namespace": "y"}) is True
    sized = compile_rule("!has(self.r) || self.name != 'Remediate'")
    assert sized is not None and sized({"r": "1m"}) is None  # missing name: undecided, no guess
    assert compile_rule("self == oldSelf") is None
    assert compile_rule("self.all(x, x > 0)") is None


def test_deprecated_snapshot_api_is_rejected(schema_registry: SchemaRegistry) -> None:
    old = {**VOLUME_SNAPSHOT, "apiVersion": "snapshot.storage.k8s.io/v1beta1"}
    [problem] = schema_registry.validate_object(old)
    assert problem.message.startswith(
        "no schema for snapshot.storage.k8s.io/v1beta1 VolumeSnapshot"
    )
    assert problem.message.endswith("version not served (served: snapshot.storage.k8s.io/v1)")


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [
        ("k8up.io/v1alpha1", "Schedule"),
        ("k8up.io/v1", "PodConfig"),  # K8up ships this CRD, but it is not in shared/crds
        ("example.com/v1", "Widget"),
        ("v1", "Widget"),
        ("apps/v1", "Schedule"),
    ],
)
def test_unknown_kinds_never_pass(
    schema_registry: SchemaRegistry, api_version: str, kind: str
) -> None:
    [problem] = schema_registry.validate_object(
        {"apiVersion": api_version, "kind": kind, "metadata": meta("x")}
    )
    assert problem.message.startswith(f"no schema for {api_version} {kind}")


@pytest.mark.parametrize(
    ("metadata", "path"),
    [
        ({"namespace": "a"}, "metadata.name"),
        ({"name": "Bad_Name"}, "metadata.name"),
        ({"name": "x", "namespace": "a.b"}, "metadata.namespace"),
        ({"name": "x", "lables": {}}, "metadata.lables"),
        ({"name": "x", "labels": {"a": "v" * 64}}, "metadata.labels.a"),
        ({"name": "x", "labels": {"bad key": "v"}}, 'metadata.labels["bad key"]'),
        ({"name": "x", "annotations": {"a": 1}}, "metadata.annotations.a"),
    ],
)
def test_metadata_is_checked_for_all_kinds(
    schema_registry: SchemaRegistry, metadata: dict[str, Any], path: str
) -> None:
    for obj in (LONGHORN_JOB, CONFIG_MAP):
        problems = schema_registry.validate_object({**obj, "metadata": metadata})
        assert path in [p.path for p in problems], problems


# --- core kinds ------------------------------------------------------------------------


def test_core_unknown_field_fails(schema_registry: SchemaRegistry) -> None:
    bad = changed(DEPLOYMENT, "spec.template.spec.containers.0.imagePullPolicyy", "Always")
    assert problems_at(schema_registry.validate_object(bad)) == [
        ("spec.template.spec.containers[0].imagePullPolicyy", 'unknown field "imagePullPolicyy"')
    ]


def test_core_wrong_type_fails(schema_registry: SchemaRegistry) -> None:
    [problem] = schema_registry.validate_object(changed(CONFIG_MAP, "data", {"port": 8080}))
    assert (problem.path, problem.message) == ("data.port", "expected string or null, got integer")


# --- streams ---------------------------------------------------------------------------

STREAM = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: first}
data: {a: "1"}
---
# an empty document
---
apiVersion: longhorn.io/v1beta2
kind: RecurringJob
metadata: {name: second, namespace: longhorn-system}
spec: {task: backup, cron: "0 1 * * *", retain: 3, concurrency: 1, grups: [a]}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: third
  annotations: {backup-policy.io/generated-on: 2024-01-01}
data: {enabled: on}
"""


def test_stream_is_validated_document_by_document(schema_registry: SchemaRegistry) -> None:
    pytest.importorskip("yaml", reason="YAML 1.1 booleans are read by PyYAML's loader")
    problems = validate_stream(STREAM, schema_registry)
    # kubernetes-validate's core schemas allow null nearly everywhere ("string or null")
    assert [(p.kind, p.name, p.path, p.message) for p in problems] == [
        ("RecurringJob", "second", "spec.grups", 'unknown field "grups"'),
        # YAML 1.1, as the API server reads it: `on` is a boolean, the date stays a string
        ("ConfigMap", "third", "data.enabled", "expected string or null, got boolean"),
    ]


def test_stream_errors_are_problems(schema_registry: SchemaRegistry) -> None:
    [problem] = validate_stream("a: [1\n", schema_registry)
    assert problem.message.startswith("invalid YAML")
    [problem] = validate_stream("a: 1\na: 2\n", schema_registry)
    assert "duplicate key" in problem.message
    [problem] = validate_stream("- 1\n", schema_registry)
    assert problem.message == "document 1 is not a mapping"


# --- kustomize -------------------------------------------------------------------------


def test_kustomize_build_output_validates(
    kubectl: str, tmp_path: Path, schema_registry: SchemaRegistry
) -> None:
    (tmp_path / "backup").mkdir()
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "namespace: productivity\nresources: [configmap.yaml]\ncomponents: [backup]\n"
    )
    (tmp_path / "configmap.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {a: b}\n"
    )
    (tmp_path / "backup" / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [snap.yaml]\n"
    )
    (tmp_path / "backup" / "snap.yaml").write_text(
        "apiVersion: snapshot.storage.k8s.io/v1\nkind: VolumeSnapshot\nmetadata: {name: s}\n"
        "spec: {source: {persistentVolumeClaimName: data}}\n"
    )
    output = kustomize_build(tmp_path)
    assert "namespace: productivity" in output and "kind: VolumeSnapshot" in output
    assert validate_stream(output, schema_registry) == []


def test_kustomize_build_failure_carries_stderr(kubectl: str, tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: [missing.yaml]\n")
    with pytest.raises(KustomizeError, match=r"missing\.yaml") as caught:
        kustomize_build(tmp_path)
    assert "missing.yaml" in caught.value.stderr


def test_kustomize_without_kubectl(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(KustomizeError, match="kubectl not found"):
        kustomize_build(tmp_path)
