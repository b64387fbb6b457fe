"""Checks of ``metadata`` shared by custom resources and core kinds.

CRD schemas declare ``metadata`` as a bare ``type: object``; the API server still validates it
as an ObjectMeta. This module checks what matters for generated manifests: a name (DNS-1123
subdomain; DNS label for Services and Namespaces; RBAC names are path segments), a valid
namespace, labels and annotations as maps from qualified-name keys to strings (label values at
most 63 characters), and no unknown fields.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema import Draft7Validator

from tests.support.validation.errors import Found, problems_from_error

__all__ = ["check"]

_SEGMENT = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = rf"^{_SEGMENT}(\.{_SEGMENT})*$"
_DNS_1123_LABEL = rf"^{_SEGMENT}$"
_DNS_1035_LABEL = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"
_QUALIFIED = rf"^({_SEGMENT}(\.{_SEGMENT})*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{{0,61}}[A-Za-z0-9])?$"
_LABEL_VALUE = r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"
_STRING = {"type": "string"}

_MESSAGES = {
    "namespace": "must be a DNS-1123 label (lower-case alphanumerics and '-', at most 63)",
    "labels": "a label value is at most 63 of [-A-Za-z0-9_.], alphanumeric at both ends",
}
_KEY_HINT = "a qualified name (optional DNS-subdomain prefix and '/', then at most 63 characters)"
_NAME_RULES = {
    "subdomain": (_SUBDOMAIN, 253, "a DNS-1123 subdomain (lower-case alphanumerics, '-', '.')"),
    "dns-1035": (_DNS_1035_LABEL, 63, "a DNS-1035 label (a lower-case letter, then [-a-z0-9])"),
    "dns-1123": (_DNS_1123_LABEL, 63, "a DNS-1123 label (lower-case alphanumerics and '-')"),
    "path-segment": (r"^[^/%]+$", 253, "a path segment (no '/' or '%')"),
}
_RULE_BY_KIND = {("v1", "Service"): "dns-1035", ("v1", "Namespace"): "dns-1123"}


def _schema(name_pattern: str, name_max: int) -> dict[str, Any]:
    keys = {"type": "object", "propertyNames": {"pattern": _QUALIFIED}}
    label_value = {"type": "string", "maxLength": 63, "pattern": _LABEL_VALUE}
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "maxLength": name_max, "pattern": name_pattern},
            "generateName": _STRING,
            "namespace": {"type": "string", "maxLength": 63, "pattern": _DNS_1123_LABEL},
            "labels": {**keys, "additionalProperties": label_value},
            "annotations": {**keys, "additionalProperties": _STRING},
            "finalizers": {"type": "array", "items": _STRING},
            "ownerReferences": {"type": "array", "items": {"type": "object"}},
            "uid": _STRING,
            "resourceVersion": _STRING,
            "generation": {"type": "integer"},
            "creationTimestamp": {"type": ["string", "null"]},
            "deletionTimestamp": _STRING,
            "deletionGracePeriodSeconds": {"type": "integer"},
            "managedFields": {"type": "array", "items": {"type": "object"}},
            "selfLink": _STRING,
        },
    }


_VALIDATORS = {
    rule: Draft7Validator(_schema(pattern, limit))
    for rule, (pattern, limit, _) in _NAME_RULES.items()
}


def check(obj: dict[str, Any]) -> Iterator[Found]:
    """(path parts, message) for each problem of ``obj['metadata']`` (paths start at metadata)."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        yield ("metadata",), "missing required field" if meta is None else "expected object"
        return
    if not meta.get("name") and not meta.get("generateName"):
        yield ("metadata", "name"), "missing required field"
    api_version = str(obj.get("apiVersion", ""))
    rule = _RULE_BY_KIND.get((api_version, str(obj.get("kind", ""))), "subdomain")
    if api_version.startswith("rbac.authorization.k8s.io/"):
        rule = "path-segment"
    for error in _VALIDATORS[rule].iter_errors(meta):
        path: tuple[str | int, ...] = ("metadata", *error.absolute_path)
        field = str(error.absolute_path[0]) if error.absolute_path else ""
        value = error.instance
        if "propertyNames" in error.schema_path:
            yield (*path, str(value)), f"invalid key {value!r}: not {_KEY_HINT}"
        elif error.validator in ("pattern", "maxLength") and field == "name":
            _pattern, limit, hint = _NAME_RULES[rule]
            yield path, f"invalid name {value!r}: must be {hint}, at most {limit} characters"
        elif error.validator in ("pattern", "maxLength") and field in _MESSAGES:
            yield path, f"invalid value {value!r}: {_MESSAGES[field]}"
        else:
            yield from problems_from_error(error, ("metadata",))
