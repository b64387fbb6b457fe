"""The patch of the user's Cluster: WAL archiving through barman-cloud and archive_timeout.

With the plugin, ``spec.plugins`` gets the barman-cloud entry as the WAL archiver
(``barmanObjectName``: the generated ObjectStore, or the one the entry adopts, and
``serverName`` parameters). kustomize merges a patch of a custom
resource as a JSON merge patch, which replaces a list: when the Cluster already lists
plugins, the entry is appended by a JSON6902 ``add`` instead, and not at all when the
Cluster already has that very entry (it is adopted). With the deprecated in-tree
method, ``spec.backup.barmanObjectStore`` and ``retentionPolicy`` are set. Either way
``spec.postgresql.parameters.archive_timeout`` is the class's ``archiveTimeout``: the value
the analysis takes as the effective RPO is the one the Cluster runs with.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compiler.core.data import mapping_at
from compiler.tools.cnpg.names import CNPG_API, PLUGIN, pg_duration
from compiler.tools.cnpg.objects import store_configuration
from compiler.tools.cnpg.resolve import Postgres

Doc = dict[str, Any]


def plugin_entry(pg: Postgres) -> Doc:
    parameters = {"barmanObjectName": pg.store_name, "serverName": pg.server_name}
    return {"name": PLUGIN, "isWALArchiver": True, "parameters": parameters}


def _parameters(pg: Postgres) -> dict[str, str]:
    return {"archive_timeout": pg_duration(pg.settings.archive_timeout)}


def _merge(pg: Postgres) -> Doc:
    spec: Doc = {"postgresql": {"parameters": _parameters(pg)}}
    if pg.settings.method == "plugin":
        spec["plugins"] = [plugin_entry(pg)]
    else:
        barman = {**store_configuration(pg), "serverName": pg.server_name}
        spec["backup"] = {"barmanObjectStore": barman, "retentionPolicy": pg.settings.retention}
    return {
        "apiVersion": CNPG_API,
        "kind": "Cluster",
        "metadata": {"name": pg.cluster},
        "spec": spec,
    }


def _parameter_ops(pg: Postgres, spec: Mapping[str, Any]) -> list[Doc]:
    """JSON6902 ``add`` of archive_timeout at the deepest level that exists."""
    parameters = _parameters(pg)
    if isinstance(spec.get("postgresql"), Mapping):
        if isinstance(spec["postgresql"].get("parameters"), Mapping):
            path = "/spec/postgresql/parameters/archive_timeout"
            return [{"op": "add", "path": path, "value": parameters["archive_timeout"]}]
        return [{"op": "add", "path": "/spec/postgresql/parameters", "value": parameters}]
    return [{"op": "add", "path": "/spec/postgresql", "value": {"parameters": parameters}}]


def cluster_patch(pg: Postgres, cluster_body: Mapping[str, Any]) -> Doc | list[Doc]:
    """A merge patch, or JSON6902 operations when the Cluster's own plugins must stay."""
    spec = mapping_at(cluster_body, "spec")
    plugins = spec.get("plugins")
    if pg.settings.method != "plugin" or not isinstance(plugins, list) or not plugins:
        return _merge(pg)
    if has_own_entry(pg, cluster_body):
        return _parameter_ops(pg, spec)
    add = {"op": "add", "path": "/spec/plugins/-", "value": plugin_entry(pg)}
    return [add, *_parameter_ops(pg, spec)]


def has_own_entry(pg: Postgres, cluster_body: Mapping[str, Any]) -> bool:
    """Whether the Cluster already lists the very entry the patch would add (enabled, the
    WAL archiver, the same ObjectStore and serverName): it is adopted, not added twice."""
    plugins = mapping_at(cluster_body, "spec").get("plugins")
    wanted = plugin_entry(pg)
    return pg.settings.method == "plugin" and any(
        isinstance(entry, Mapping)
        and entry.get("name") == wanted["name"]
        and entry.get("isWALArchiver") is True
        and entry.get("enabled") is not False
        and dict(mapping_at(entry, "parameters")) == wanted["parameters"]
        for entry in (plugins if isinstance(plugins, list) else [])
    )
