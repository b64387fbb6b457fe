"""Read CustomResourceDefinitions and turn their OpenAPI v3 schemas into strict JSON Schemas.

"Strict" as in kubeconform's ``-strict``: every object schema that lists ``properties`` and
neither ``additionalProperties`` nor ``x-kubernetes-preserve-unknown-fields: true`` is closed
with ``additionalProperties: false``, so a misspelt field fails instead of being pruned
silently by the API server. The OpenAPI/Kubernetes extensions are mapped onto JSON Schema:
``nullable`` adds ``null`` to the type, ``x-kubernetes-int-or-string`` allows integer or
string, ``x-kubernetes-list-type: set`` means unique items, and Go (RE2) patterns are adapted
to Python's ``re`` or dropped with a note.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compiler.core.yamlread import YAMLDocumentError, load_documents
from tests.support.validation.cel import compile_rule

__all__ = ["CRDCatalog", "CRDLoadError", "load_crd_catalog", "strict_schema"]

SchemaKey = tuple[str, str]
"""(apiVersion ``group/version``, kind)."""

_COMBINATORS = ("anyOf", "oneOf", "allOf")
_GO_FLAGS = re.compile(r"\(\?([imsU]+)\)")
_PLAIN_TYPES = ({"type": "integer"}, {"type": "string"})


class CRDLoadError(Exception):
    """The CRD directory is missing, unreadable, empty or holds conflicting definitions."""


@dataclass
class CRDCatalog:
    """Strict JSON Schemas of every served CRD version found in a directory."""

    schemas: dict[SchemaKey, dict[str, Any]] = field(default_factory=dict)
    sources: dict[SchemaKey, Path] = field(default_factory=dict)
    served: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    """(group, kind) -> the served versions, to explain a version that has no schema."""
    notes: list[str] = field(default_factory=list)
    """Adaptations worth knowing (patterns rewritten or dropped, rules not checked)."""


def load_crd_catalog(path: Path) -> CRDCatalog:
    """Load every ``CustomResourceDefinition`` in the top-level ``*.yaml``/``*.yml`` of ``path``.

    ``path`` may also be a single file. Sub-folders and documents of other kinds are ignored;
    a file may hold several documents (or a ``v1`` ``List``).
    """
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    else:
        raise CRDLoadError(f"CRD directory {path} does not exist")
    catalog = CRDCatalog()
    for file in files:
        try:
            documents = load_documents(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, YAMLDocumentError) as exc:
            raise CRDLoadError(f"cannot read CRDs from {file}: {exc}") from exc
        for document in _flatten_lists(documents):
            if _is_crd(document):
                _add_crd(catalog, document, file)
    if not catalog.schemas:
        raise CRDLoadError(f"no served CustomResourceDefinition version found in {path}")
    return catalog


def _flatten_lists(documents: list[Any]) -> list[Any]:
    flat: list[Any] = []
    for document in documents:
        if isinstance(document, dict) and document.get("kind") == "List":
            flat.extend(document.get("items") or [])
        else:
            flat.append(document)
    return flat


def _is_crd(document: Any) -> bool:
    return (
        isinstance(document, dict)
        and document.get("kind") == "CustomResourceDefinition"
        and str(document.get("apiVersion", "")).startswith("apiextensions.k8s.io/")
    )


def _add_crd(catalog: CRDCatalog, crd: dict[str, Any], file: Path) -> None:
    spec = crd.get("spec") or {}
    group, kind = spec.get("group"), (spec.get("names") or {}).get("kind")
    if not isinstance(group, str) or not isinstance(kind, str):
        raise CRDLoadError(f"{file}: CustomResourceDefinition without spec.group/spec.names.kind")
    legacy = (spec.get("validation") or {}).get("openAPIV3Schema")  # apiextensions v1beta1
    versions = spec.get("versions") or [{"name": spec.get("version"), "served": True}]
    served = catalog.served.setdefault((group, kind), [])
    for version in versions:
        name = version.get("name")
        if not version.get("served", False) or not isinstance(name, str):
            continue
        key = (f"{group}/{name}", kind)
        if key in catalog.schemas:
            raise CRDLoadError(f"{key[0]} {kind} is defined twice: {catalog.sources[key]}, {file}")
        openapi = (version.get("schema") or {}).get("openAPIV3Schema") or legacy
        if openapi is None:
            catalog.notes.append(f"{key[0]} {kind}: no schema, only metadata is checked")
            openapi = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        served.append(name)
        catalog.schemas[key] = strict_schema(openapi, key, catalog.notes)
        catalog.sources[key] = file


def strict_schema(openapi: Mapping[str, Any], key: SchemaKey, notes: list[str]) -> dict[str, Any]:
    """The closed JSON Schema of one CRD version; adaptations are appended to ``notes``."""
    api_version, kind = key
    schema = _convert(openapi, close=True, where=f"{api_version} {kind}", notes=notes)
    schema["type"] = "object"
    properties = schema.setdefault("properties", {})
    properties["apiVersion"] = {"type": "string", "const": api_version}
    properties["kind"] = {"type": "string", "const": kind}
    properties["metadata"] = {"type": "object"}  # checked by the shared ObjectMeta schema
    if not openapi.get("x-kubernetes-preserve-unknown-fields"):
        schema["additionalProperties"] = False
    schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind"})
    return schema


def _convert(
    node: Mapping[str, Any], *, close: bool, where: str, notes: list[str]
) -> dict[str, Any]:
    """Copy one schema node (recursively), mapping Kubernetes extensions onto JSON Schema."""
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "description":
            continue
        if key in ("properties", "patternProperties") and isinstance(value, Mapping):
            out[key] = {
                k: _convert(v, close=close, where=where, notes=notes) for k, v in value.items()
            }
        elif key in ("items", "additionalProperties") and isinstance(value, Mapping):
            out[key] = _convert(value, close=close, where=where, notes=notes)
        elif key == "not" and isinstance(value, Mapping):
            out[key] = _convert(value, close=False, where=where, notes=notes)
        elif key in _COMBINATORS and isinstance(value, list):
            out[key] = [_convert(v, close=False, where=where, notes=notes) for v in value]
        elif key == "pattern" and isinstance(value, str):
            pattern = _python_pattern(value)
            if pattern is None:
                notes.append(f"{where}: pattern {value!r} is not valid in Python; not checked")
            else:
                if pattern != value:
                    notes.append(f"{where}: Go pattern {value!r} checked as {pattern!r}")
                out[key] = pattern
        elif key == "x-kubernetes-validations" and isinstance(value, list):
            out[key] = value
            _note_unchecked_rules(value, where, notes)
        else:
            out[key] = value
    if out.get("x-kubernetes-int-or-string"):
        out["type"] = ["integer", "string"]
        if all(branch in _PLAIN_TYPES for branch in out.get("anyOf", [])):
            out.pop("anyOf", None)
    if out.get("nullable") is True:
        _allow_null(out)
    if out.get("x-kubernetes-list-type") == "set":
        out["uniqueItems"] = True
    if (
        close
        and "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def _allow_null(out: dict[str, Any]) -> None:
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        out["type"] = [*kind, "null"]
    if isinstance(out.get("enum"), list) and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]


def _python_pattern(pattern: str) -> str | None:
    """``pattern`` for Python's ``re``: RE2 allows inline flags mid-pattern, Python does not."""
    fixed = pattern.replace(r"\z", r"\Z")
    flags = "".join(sorted(set("".join(_GO_FLAGS.findall(fixed))) - {"U"}))
    if flags and not _GO_FLAGS.match(fixed):
        fixed = f"(?{flags})" + _GO_FLAGS.sub("", fixed)
    try:
        re.compile(fixed)
    except re.error:
        return None
    return fixed


def _note_unchecked_rules(rules: list[Any], where: str, notes: list[str]) -> None:
    for rule in rules:
        text = rule.get("rule", "") if isinstance(rule, Mapping) else ""
        if "oldSelf" not in text and compile_rule(text) is None:
            notes.append(f"{where}: CEL rule not checked: {text}")
