"""schema: the JSON Schema of the policy format, generated from the models."""

from __future__ import annotations

import json
from typing import Any

from compiler.commands import EXIT_OK, Outcome
from compiler.registry import DEFAULT

SCHEMA_FILES = {
    "ClusterPolicy": "cluster-policy.json",
    "ServicePolicy": "service-policy.json",
    "RestoreTestPlan": "restore-test-plan.json",
}


def schema_for(kind: str) -> dict[str, Any]:
    schema = DEFAULT.kinds.by_kind[kind].model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"backup-policy {kind} (v1alpha1)"
    return schema


def schema_text(kind: str | None) -> str:
    """One kind's schema, or all kinds under ``anyOf`` when ``kind`` is None."""
    if kind is not None:
        document = schema_for(kind)
    else:
        document = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "backup-policy policy file (v1alpha1)",
            "anyOf": [schema_for(k) for k in sorted(DEFAULT.kinds.by_kind)],
        }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def run_schema(kind: str | None) -> Outcome:
    return Outcome(EXIT_OK, schema_text(kind))
