"""The full policy models: the shared ones of this package plus every tool's slots.

A tool owns its part of the policy format (K8up's class block ``k8up:``, Litestream's
cluster block ``litestream:``, a namespace under ``namespaces:``): it declares each as a
:class:`Slot`, and :func:`compose` builds the models a policy is validated against. So a
new tool adds its settings without editing this package, and the JSON Schema, the error
messages (did-you-mean over the allowed keys) and the positions cover it like any field.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import GenericAlias
from typing import Annotated, Any, Generic, Literal, TypeVar, cast

from msgspec import Struct
from pydantic import AfterValidator, BaseModel, Field, create_model

from compiler.core.secrets import shown
from compiler.model.cluster import ClassDefaults, ClusterPolicy, ClusterSpec, Namespaces
from compiler.model.restore import RestoreTestPlan
from compiler.model.service import ServicePolicy, ServiceSpec
from compiler.model.types import Classification, to_camel

T = TypeVar("T")
Place = Literal["cluster", "class", "service", "namespaces"]
PolicyModel = ClusterPolicy | ServicePolicy | RestoreTestPlan


class Slot(Struct, Generic[T], frozen=True):
    """A field a tool adds to the format: on the cluster spec, a class, a service or
    ``namespaces``. ``of`` reads it back with the type the slot declares."""

    place: Place
    attribute: str
    annotation: Any
    default: Any = None
    # The field's documentation in the JSON Schema (required of every field by the tests):
    # what it means to an operator, its units, what happens when it is absent.
    description: str = ""
    examples: tuple[Any, ...] = ()

    @property
    def key(self) -> str:
        """The YAML key (camelCase of the attribute)."""
        return to_camel(self.attribute)

    def of(self, model: BaseModel) -> T:
        """The slot's value on a composed model (the composition gave it this type)."""
        return cast(T, getattr(model, self.attribute))


class PolicyKinds(Struct, frozen=True):
    """The composed model of each ``kind`` a policy file may have."""

    cluster: type[ClusterPolicy]
    service: type[ServicePolicy]
    plan: type[RestoreTestPlan]

    @property
    def by_kind(self) -> dict[str, type[PolicyModel]]:
        return {
            "ClusterPolicy": self.cluster,
            "ServicePolicy": self.service,
            "RestoreTestPlan": self.plan,
        }


def _no_method(value: str) -> str:
    raise ValueError(f"{shown(value)} is not a backup method of any tool")


def _method_type(methods: Sequence[str]) -> Any:
    """``Literal`` of the tools' method names (a type built at run time, by design)."""
    if methods:
        return Literal[tuple(methods)]
    return Annotated[str, AfterValidator(_no_method)]


def _fields(slots: Sequence[Slot[Any]], place: Place) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for slot in slots:
        if slot.place != place:
            continue
        if slot.attribute in fields:
            raise ValueError(f"two tools declare the {place} field {slot.key!r}")
        fields[slot.attribute] = (
            slot.annotation,
            Field(slot.default, description=slot.description, examples=list(slot.examples)),
        )
    return fields


def _retyped(base: type[BaseModel], name: str, annotation: Any) -> tuple[Any, Any]:
    """Field ``name`` of ``base`` with the type composition gives it; its documentation,
    default and default validation stay as ``base`` declares them."""
    field = base.model_fields[name]
    return annotation, Field(
        field.default,
        description=field.description,
        examples=field.examples,
        validate_default=field.validate_default,
    )


def _model(name: str, base: type[BaseModel], fields: dict[str, Any]) -> type[BaseModel]:
    return cast(type[BaseModel], create_model(name, __base__=base, **fields))


def _cluster(slots: Sequence[Slot[Any]], method_list: Any) -> type[BaseModel]:
    defaults = _model(
        "ClassDefaults",
        ClassDefaults,
        {"methods": _retyped(ClassDefaults, "methods", method_list), **_fields(slots, "class")},
    )
    namespaces = _model("Namespaces", Namespaces, _fields(slots, "namespaces"))
    classes = GenericAlias(dict, (Classification, defaults))
    spec = _model(
        "ClusterSpec",
        ClusterSpec,
        {
            "namespaces": _retyped(ClusterSpec, "namespaces", namespaces),
            "classes": _retyped(ClusterSpec, "classes", classes),
            **_fields(slots, "cluster"),
        },
    )
    return _model("ClusterPolicy", ClusterPolicy, {"spec": _retyped(ClusterPolicy, "spec", spec)})


def _service(slots: Sequence[Slot[Any]], method_list: Any) -> type[BaseModel]:
    spec = _model(
        "ServiceSpec",
        ServiceSpec,
        {
            "methods": _retyped(ServiceSpec, "methods", method_list | None),
            **_fields(slots, "service"),
        },
    )
    return _model("ServicePolicy", ServicePolicy, {"spec": _retyped(ServicePolicy, "spec", spec)})


def compose(slots: Sequence[Slot[Any]], methods: Sequence[str]) -> PolicyKinds:
    """The policy models with every tool's slots; ``methods`` are the values of ``methods:``."""
    method_list: Any = GenericAlias(list, (_method_type(methods),))
    return PolicyKinds(
        cast(type[ClusterPolicy], _cluster(slots, method_list)),
        cast(type[ServicePolicy], _service(slots, method_list)),
        RestoreTestPlan,
    )
