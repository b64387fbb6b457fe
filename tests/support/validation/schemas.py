"""Validate Kubernetes objects: custom resources against upstream CRDs, core kinds offline.

Custom resources are checked against the strict JSON Schemas of :mod:`tests.support.validation.crds`
(plus the CEL subset of :mod:`tests.support.validation.cel`); built-in kinds (``v1``, ``apps/v1``,
``batch/v1``, ``*.k8s.io`` groups without a CRD) by the ``kubernetes-validate`` package in
strict mode. ``metadata`` is checked the same way for both. An object whose apiVersion/kind
has no schema is a problem, never a silent pass.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from jsonschema import Draft7Validator, FormatChecker, ValidationError, validators
from jsonschema.protocols import Validator

from compiler.core.yamlread import YAMLDocumentError, load_documents
from tests.support.validation import metadata
from tests.support.validation.cel import compile_rule
from tests.support.validation.crds import CRDCatalog, load_crd_catalog
from tests.support.validation.errors import Found, json_type, problems_from_error, render_path

__all__ = [
    "PREFERRED_KUBERNETES_VERSION",
    "SchemaProblem",
    "SchemaRegistry",
    "validate_stream",
]

PREFERRED_KUBERNETES_VERSION = "1.32"
"""Kubernetes version of the core schemas when none is asked for (the kubectl on our machines)."""


@dataclass(frozen=True, order=True)
class SchemaProblem:
    """One way in which an object does not match its schema.

    ``path`` is a JSON path into the object such as ``spec.backup.schedule`` or
    ``spec.template.spec.containers[0].image``; it is empty for the object as a whole.
    """

    api_version: str
    kind: str
    name: str
    path: str
    message: str

    def render(self) -> str:
        """``apiVersion kind/name: path: message`` on one line."""
        where = f"{self.path}: " if self.path else ""
        return f"{self.api_version} {self.kind}/{self.name}: {where}{self.message}"


class SchemaRegistry:
    """Schemas keyed by (apiVersion, kind): CRDs from a directory plus Kubernetes core kinds."""

    def __init__(self, catalog: CRDCatalog, *, kubernetes_version: str | None = None) -> None:
        """Use ``catalog``'s CRD schemas; core kinds against ``kubernetes_version``.

        Without a version, :data:`PREFERRED_KUBERNETES_VERSION` is used if the installed
        kubernetes-validate ships it, else its newest. An explicit version it lacks is a
        ``ValueError``.
        """
        self._catalog = catalog
        self._validators: dict[tuple[str, str], Validator] = {}
        self._crd_groups = {group for group, _kind in catalog.served}
        self._core: Any = _import_optional("kubernetes_validate")
        self.kubernetes_version = _pick_version(self._core, kubernetes_version)

    @classmethod
    def from_directory(cls, path: Path, *, kubernetes_version: str | None = None) -> SchemaRegistry:
        """Load every CRD in ``path`` (see :func:`load_crd_catalog`)."""
        return cls(load_crd_catalog(path), kubernetes_version=kubernetes_version)

    @property
    def kinds(self) -> list[tuple[str, str]]:
        """The (apiVersion, kind) pairs that have a CRD schema, sorted."""
        return sorted(self._catalog.schemas)

    @property
    def notes(self) -> list[str]:
        """How the CRDs were adapted (rewritten patterns, CEL rules that are not checked)."""
        return list(self._catalog.notes)

    @property
    def core_validator_version(self) -> str | None:
        """The installed kubernetes-validate version, or None if it is not installed."""
        return None if self._core is None else str(self._core.__version__)

    def validate_object(self, obj: Mapping[str, Any]) -> list[SchemaProblem]:
        """Every schema problem of one object, sorted by path (empty when it is valid)."""
        plain = _plain(obj)
        if not isinstance(plain, dict):
            return [SchemaProblem("", "", "", "", f"expected an object, got {json_type(plain)}")]
        api_version, kind = plain.get("apiVersion"), plain.get("kind")
        meta = plain.get("metadata")
        name = meta.get("name") if isinstance(meta, dict) else None
        ident = (str(api_version or ""), str(kind or ""), name if isinstance(name, str) else "")
        if not isinstance(api_version, str) or not api_version:
            return [SchemaProblem(*ident, "apiVersion", "missing or not a string")]
        if not isinstance(kind, str) or not kind:
            return [SchemaProblem(*ident, "kind", "missing or not a string")]
        if api_version == "v1" and kind == "List":
            items = plain.get("items")
            return (
                [p for item in items or [] for p in self.validate_object(item)]
                if isinstance(items, list)
                else [SchemaProblem(*ident, "items", "expected array")]
            )
        found = {(render_path(parts), message) for parts, message in metadata.check(plain)}
        checked = {path for path, _message in found}  # metadata: one message per path
        for parts, message in self._check(plain, api_version, kind):
            if (path := render_path(parts)) not in checked:
                found.add((path, message))
        return sorted(SchemaProblem(*ident, path, message) for path, message in found)

    def _check(self, obj: dict[str, Any], api_version: str, kind: str) -> Iterator[Found]:
        key = (api_version, kind)
        group = api_version.rpartition("/")[0]
        if key in self._catalog.schemas:
            for error in self._validator(key).iter_errors(obj):
                yield from problems_from_error(error)
        elif served := self._catalog.served.get((group, kind)):
            offer = ", ".join(f"{group}/{version}" for version in served)
            yield (), f"no schema for {api_version} {kind}: version not served (served: {offer})"
        elif group in self._crd_groups:
            yield (), f"no schema for {api_version} {kind}: no CRD for this kind was loaded"
        elif "." in group and not group.endswith(".k8s.io"):
            yield (), f"no schema for {api_version} {kind}: no CRD for group {group!r} was loaded"
        else:
            yield from self._check_core(obj, api_version, kind)

    def _check_core(self, obj: dict[str, Any], api_version: str, kind: str) -> Iterator[Found]:
        if self._core is None:
            yield (), f"no schema for {api_version} {kind}: kubernetes-validate is not installed"
            return
        try:
            self._core.validate(obj, self.kubernetes_version, strict=True)
        except ValidationError as error:
            yield from problems_from_error(error)
        except self._core.SchemaNotFoundError:
            yield (), f"no schema for {api_version} {kind} in Kubernetes {self.kubernetes_version}"
        except Exception as exc:  # any failure of the checker must surface, never pass
            yield (), f"kubernetes-validate could not check the object: {exc}"

    def _validator(self, key: tuple[str, str]) -> Validator:
        if key not in self._validators:
            self._validators[key] = _CRDValidator(
                self._catalog.schemas[key], format_checker=_FORMATS
            )
        return self._validators[key]


def validate_stream(text: str, registry: SchemaRegistry) -> list[SchemaProblem]:
    """Validate each document of a multi-document YAML stream (e.g. ``kubectl kustomize``).

    Problems come document by document, in stream order; empty documents are skipped.
    """
    try:
        documents = load_documents(text)
    except YAMLDocumentError as exc:
        return [SchemaProblem("", "", "", "", f"invalid YAML: {exc}")]
    problems: list[SchemaProblem] = []
    for number, document in enumerate(documents, start=1):
        if document is None:
            continue
        if not isinstance(document, dict):
            problems.append(SchemaProblem("", "", "", "", f"document {number} is not a mapping"))
            continue
        problems.extend(registry.validate_object(document))
    return problems


def _cel_rules(
    validator: Validator, rules: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """The ``x-kubernetes-validations`` keyword: evaluate the supported CEL rules."""
    for rule in rules if isinstance(rules, list) else []:
        text = rule.get("rule", "") if isinstance(rule, Mapping) else ""
        check = compile_rule(text)
        if check is not None and check(instance) is False:
            yield ValidationError(rule.get("message") or f"violates rule: {text}")


_extend = cast(Callable[..., type[Validator]], validators.extend)  # untyped in the stubs
_CRDValidator = _extend(Draft7Validator, {"x-kubernetes-validations": _cel_rules})
_FORMATS = FormatChecker(formats=())


@_FORMATS.checks("int32")
def _int32(instance: object) -> bool:
    return not isinstance(instance, int) or -(2**31) <= instance < 2**31


@_FORMATS.checks("int64")
def _int64(instance: object) -> bool:
    return not isinstance(instance, int) or -(2**63) <= instance < 2**63


@_FORMATS.checks("byte", raises=binascii.Error)
def _byte(instance: object) -> bool:
    if isinstance(instance, str):
        base64.b64decode(instance, validate=True)
    return True


@_FORMATS.checks("date-time", raises=ValueError)
def _date_time(instance: object) -> bool:
    if isinstance(instance, str):
        parsed = datetime.datetime.fromisoformat(instance)
        if "t" not in instance.lower() or parsed.tzinfo is None:
            raise ValueError("an RFC 3339 date-time has a 'T' and a zone offset")
    return True


def _pick_version(core: Any, wanted: str | None) -> str:
    if core is None:
        return wanted or PREFERRED_KUBERNETES_VERSION
    utils: Any = _import_optional("kubernetes_validate.utils")
    listed = utils.all_versions() if utils and hasattr(utils, "all_versions") else []
    available = sorted({".".join(v.split(".")[:2]) for v in listed}, key=_version_key)
    if not available:
        return wanted or str(core.latest_version())
    if wanted is None:
        return (
            PREFERRED_KUBERNETES_VERSION
            if PREFERRED_KUBERNETES_VERSION in available
            else available[-1]
        )
    wanted = ".".join(wanted.lstrip("v").split(".")[:2])
    if wanted not in available:
        raise ValueError(
            f"kubernetes-validate {core.__version__} has no schemas for Kubernetes {wanted}"
            f" (available: {available[0]} .. {available[-1]})"
        )
    return wanted


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def _import_optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def _plain(value: Any) -> Any:
    """Deep copy into dict/list so jsonschema sees JSON types (any Mapping/Sequence input)."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
