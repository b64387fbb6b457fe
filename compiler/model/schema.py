"""The JSON Schema of the policy format, generated from the composed models.

One self-contained document per kind (``schemas/<kind>.json``) and one for any policy file
(``schemas/policy.json``: the kind's schema chosen by ``kind``). Each has a
single ``$defs`` at its root, so every ``$ref`` is ``#/$defs/...`` and editors resolve it,
and a stable ``$id`` under :data:`SCHEMA_BASE`. Policy files name their kind's schema in a
``# yaml-language-server: $schema=...`` first line.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Field, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import CoreSchema

from compiler.model.compose import PolicyKinds

DIALECT = "https://json-schema.org/draft/2020-12/schema"
# The identifier of the schemas: the project's domain (its labels are backup-policy.io/...)
# and the format version; the file names are those of schemas/ in the repository.
SCHEMA_BASE = "https://backup-policy.io/schemas/v1alpha1/"
SCHEMA_FILES = {
    "ClusterPolicy": "cluster-policy.json",
    "ServicePolicy": "service-policy.json",
    "RestoreTestPlan": "restore-test-plan.json",
}
ANY_KIND_FILE = "policy.json"


class PolicySchema(GenerateJsonSchema):
    """pydantic's generator, without the titles it derives from attribute names
    ("Successfuljobshistorylimit"): a property is documented by its description."""

    def field_title_should_be_set(self, schema: CoreSchema) -> bool:
        return False


def _document(file: str, title: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": DIALECT, "$id": SCHEMA_BASE + file, **schema, "title": title}


def kind_schema(kinds: PolicyKinds, kind: str) -> dict[str, Any]:
    """The schema of one kind of policy file."""
    schema = kinds.by_kind[kind].model_json_schema(
        by_alias=True, mode="validation", schema_generator=PolicySchema
    )
    return _document(SCHEMA_FILES[kind], f"backup-policy {kind} (v1alpha1)", schema)


def any_kind_schema(kinds: PolicyKinds) -> dict[str, Any]:
    """The schema of any policy file: the schema of the kind its ``kind`` names."""
    models = tuple(kinds.by_kind[kind] for kind in sorted(kinds.by_kind))
    union: Any = Annotated[Union[models], Field(discriminator="kind")]  # noqa: UP007
    generated = TypeAdapter(union).json_schema(
        by_alias=True, mode="validation", schema_generator=PolicySchema
    )
    chosen = _chosen_by_kind(generated["discriminator"]["mapping"])
    schema = {"$defs": generated["$defs"], **chosen}
    return _document(ANY_KIND_FILE, "backup-policy policy file (v1alpha1)", schema)


def _chosen_by_kind(refs: dict[str, str]) -> dict[str, Any]:
    """``kind`` names a kind, and the document must match that kind's schema (``refs``).

    Discriminated with ``if``/``then`` rather than pydantic's ``oneOf`` with an OpenAPI
    ``discriminator``, which JSON Schema ignores: a validator then reports the problem inside
    the file's own kind instead of "not valid under any of the given schemas"."""
    return {
        "type": "object",
        "required": ["kind"],
        "properties": {
            "kind": {
                "enum": sorted(refs),
                "description": "What the file declares; picks the schema the rest must match.",
                "examples": sorted(refs),
            }
        },
        "allOf": [
            {
                "if": {"required": ["kind"], "properties": {"kind": {"const": kind}}},
                "then": {"$ref": ref},
            }
            for kind, ref in sorted(refs.items())
        ],
    }
