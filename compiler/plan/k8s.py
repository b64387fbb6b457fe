"""Small builders of Kubernetes object parts shared by the tools (plain data)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compiler.model.cluster import S3Target
from compiler.plan.types import MANAGED_BY

Doc = dict[str, Any]


def metadata(name: str, namespace: str, labels: Mapping[str, str]) -> Doc:
    """``metadata`` with the labels sorted (deterministic output)."""
    return {"name": name, "namespace": namespace, "labels": dict(sorted(labels.items()))}


def managed(**labels: str) -> dict[str, str]:
    """The managed-by label plus ``labels``."""
    return {**MANAGED_BY, **labels}


def secret_ref(name: str, key: str) -> Doc:
    return {"name": name, "key": key}


def env_value(name: str, value: str) -> Doc:
    return {"name": name, "value": value}


def env_secret(name: str, secret: str, key: str) -> Doc:
    return {"name": name, "valueFrom": {"secretKeyRef": secret_ref(secret, key)}}


def s3_key_refs(target: S3Target) -> tuple[Doc, Doc]:
    """The (access key id, secret access key) references of an S3 target's Secret."""
    creds = target.credentials_secret
    return (
        secret_ref(creds.name, creds.access_key_id_key),
        secret_ref(creds.name, creds.secret_access_key_key),
    )


def kustomization(resources: list[str]) -> Doc:
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": resources,
    }
