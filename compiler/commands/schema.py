"""schema: the JSON Schema of the policy format, generated from the models."""

from __future__ import annotations

import json

from compiler.commands import EXIT_OK, Outcome
from compiler.model.schema import SCHEMA_FILES, any_kind_schema, kind_schema
from compiler.registry import DEFAULT

__all__ = ["SCHEMA_FILES", "run_schema", "schema_text"]


def schema_text(kind: str | None) -> str:
    """One kind's schema, or the schema of any policy file when ``kind`` is None."""
    kinds = DEFAULT.kinds
    document = kind_schema(kinds, kind) if kind is not None else any_kind_schema(kinds)
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def run_schema(kind: str | None) -> Outcome:
    return Outcome(EXIT_OK, schema_text(kind))
