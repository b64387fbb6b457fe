"""bjw-s app-template's naming rules (3.x, 4.x, 5.x), as the library chart ``common`` has them.

Each function restates one template of the chart (``charts/common/templates/...``); the tests
render the real charts and compare (``tests/tree/test_apptemplate_renders.py``). The rules:

- full name (``lib/chart/_names.tpl``; app-template sets ``global.nameOverride`` to the release
  name when it is empty): ``fullnameOverride`` (global first), else the release name, plus
  ``-<global.nameOverride>`` unless that is part of the release name; 63 characters at most,
  one trailing ``-`` trimmed;
- a controller or chart-created PVC in 3.x (``lib/controller/_valuesToObject.tpl``,
  ``lib/pvc/_valuesToObject.tpl``): see :func:`controller_name_v3` and :func:`pvc_name_v3`;
- anything in 4.x/5.x (``lib/common/_determineResourceNameFromValues.tpl``):
  :func:`resource_name_v4`, where the count is that of the enabled items of the kind (for PVCs:
  the chart-created ones only, not ``existingClaim`` or other types);
- "enabled" means a mapping without ``enabled``, or whose ``enabled`` is truthy (Go's truth:
  ``null``, ``0``, ``""``, ``false`` and empty collections are false).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from compiler.core.data import mapping_at

MAX_NAME = 63


def trunc(name: str) -> str:
    """Helm's ``trunc 63 | trimSuffix "-"``: one trailing dash goes, not all of them."""
    name = name[:MAX_NAME]
    return name[:-1] if name.endswith("-") else name


def fullname(release_name: str, values: Mapping[str, Any]) -> str:
    global_values = mapping_at(values, "global")
    override = global_values.get("fullnameOverride") or values.get("fullnameOverride")
    if override:
        return trunc(str(override))
    name = str(global_values.get("nameOverride") or release_name)
    return trunc(release_name if name in release_name else f"{release_name}-{name}")


def enabled(items: Any) -> dict[str, Mapping[str, Any]]:
    """The enabled entries of a map of items (controllers, containers, persistence)."""
    if not isinstance(items, Mapping):
        return {}
    return {
        str(key): value
        for key, value in items.items()
        if isinstance(value, Mapping) and (bool(value["enabled"]) if "enabled" in value else True)
    }


def controller_name_v3(full: str, identifier: str, values: Mapping[str, Any], count: int) -> str:
    override = values.get("nameOverride")
    if override:
        return full if override == full else f"{full}-{override}"
    if count > 1 and identifier != full:
        return f"{full}-{identifier}"
    return full


def pvc_name_v3(full: str, identifier: str, values: Mapping[str, Any]) -> str:
    """3.x names every chart-created PVC ``<fullname>-<key>`` (or ``-<nameOverride>``; an
    override of ``-`` is the bare full name), however many there are."""
    override = values.get("nameOverride")
    if override:
        return full if override == "-" else f"{full}-{override}"
    return full if identifier == full else f"{full}-{identifier}"


def resource_name_v4(
    full: str, identifier: str, values: Mapping[str, Any], count: int, always: bool
) -> str:
    if values.get("forceRename"):
        return str(values["forceRename"]).lower()
    name = full
    prefix = values.get("prefix")
    if prefix and prefix != name:
        name = f"{prefix}-{name}"
    if (count > 1 or always) and not name.endswith(f"-{identifier}") and identifier != name:
        name = f"{name}-{identifier}"
    suffix = values.get("suffix")
    if suffix and not name.endswith(f"-{suffix}"):
        name = f"{name}-{suffix}"
    return name.lower()


def container_name(identifier: str, values: Mapping[str, Any]) -> str:
    """All versions (``lib/container/fields/_name.tpl``): ``nameOverride`` when not empty."""
    override = values.get("nameOverride")
    return str(override) if override else identifier


def is_chart_pvc(item: Mapping[str, Any]) -> bool:
    """An enabled persistence item the chart creates a PVC for (``lib/pvc/_enabled_pvcs.tpl``)."""
    kind = item.get("type") or "persistentVolumeClaim"
    return kind == "persistentVolumeClaim" and not item.get("existingClaim")


def mounted_in(item: Mapping[str, Any], controller: str) -> bool:
    """Whether a persistence item is a volume of ``controller``'s pods
    (``lib/pod/fields/_volumes.tpl``): it has globalMounts, or advancedMounts for that
    controller, or neither."""
    has_global = bool(item.get("globalMounts"))
    advanced = item.get("advancedMounts")
    has_advanced = bool(advanced)
    mine = bool(advanced.get(controller)) if isinstance(advanced, Mapping) else False
    return has_global or (has_advanced and mine) or (not has_global and not has_advanced)


def storage_class(item: Mapping[str, Any]) -> str:
    """The ``storageClassName`` a PVC or claim template states ('' when it states none;
    ``-`` renders an empty class, which is not a class either)."""
    found = item.get("storageClass")
    return "" if not found or found == "-" else str(found)


NAMING_KEYS = ("nameOverride", "forceRename", "prefix", "suffix")
_RELEASE_NAME = re.compile(r"\{\{-?\s*\.Release\.Name\s*-?\}\}")


def _rendered_item(item: Mapping[str, Any], release: str, keys: tuple[str, ...]) -> dict[str, Any]:
    found = dict(item)
    for key in keys:
        if isinstance(found.get(key), str):
            found[key] = _RELEASE_NAME.sub(release, found[key])
    return found


def _rendered_group(items: Any, release: str, keys: tuple[str, ...]) -> Any:
    if not isinstance(items, Mapping):
        return items
    return {
        k: _rendered_item(v, release, keys) if isinstance(v, Mapping) else v
        for k, v in items.items()
    }


def rendered_names(values: Mapping[str, Any], release: str, major: int) -> dict[str, Any] | None:
    """``values`` with the names the chart ``tpl``-renders rendered, where they use no more
    than ``{{ .Release.Name }}``; None when one uses more (the model then claims nothing).
    The chart renders nameOverride, forceRename, prefix and suffix, and from 5.x on
    ``existingClaim`` (3.x and 4.x take that one literally)."""
    keys = (*NAMING_KEYS, "existingClaim") if major >= 5 else NAMING_KEYS
    controllers = {}
    for key, spec in enabled(values.get("controllers")).items():
        spec = _rendered_item(spec, release, keys)
        for group in ("containers", "initContainers"):
            spec[group] = _rendered_group(spec.get(group), release, keys)
        controllers[key] = spec
    found = {
        **values,
        "controllers": controllers,
        "persistence": _rendered_group(values.get("persistence"), release, keys),
    }
    return None if _templated(found, keys) else found


def _templated(values: Mapping[str, Any], keys: tuple[str, ...]) -> bool:
    if "{{" in str(values.get("global") or ""):
        return True
    groups = [enabled(values.get("persistence"))]
    for controller in enabled(values.get("controllers")).values():
        groups.append({"": controller})
        groups += [enabled(controller.get(k)) for k in ("containers", "initContainers")]
    return any(
        "{{" in str(item.get(key) or "")
        for group in groups
        for item in group.values()
        for key in keys
    )
