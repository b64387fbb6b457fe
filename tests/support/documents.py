"""The fields of each command's ``--format json`` document, as docs/formats.md lists them.

Every one is there on every run that is not a usage error, also when the run stopped
early (zeros, empty lists, null for what it did not reach): a script reads them without
first asking whether they exist.
"""

from __future__ import annotations

from typing import Any

DOCUMENT = {"schemaVersion", "tool", "version", "command", "exitCode", "diagnostics", "summary"}
COUNTS = {"errors", "warnings"}
STATES = {"covered", "exempt", "uncovered", "unknown"}
FIELDS: dict[str, tuple[set[str], set[str]]] = {  # command -> (top-level keys, summary keys)
    "check": (DOCUMENT, COUNTS | {"services", "toWrite", "toRemove", "unchanged"}),
    "compile": (
        DOCUMENT | {"written", "removed", "fixed"},
        COUNTS | {"services", "written", "unchanged", "removed", "fixed"},
    ),
    "coverage": (DOCUMENT | {"items", "totals"}, COUNTS | STATES),
    "diff": (
        DOCUMENT | {"base", "basePolicies", "baseErrors", "items"},
        COUNTS | {"changed", "weakened"},
    ),
    "drill": (DOCUMENT | {"drill"}, COUNTS | {"files"}),
    "explain": (DOCUMENT | {"services"}, COUNTS),
    "record": (DOCUMENT | {"recorded"}, COUNTS),
    "velero": (DOCUMENT | {"backup"}, COUNTS),
}
NESTED = {  # a command's object field -> its keys
    "totals": STATES,
    "drill": {"test", "type", "date", "folder", "files", "checklist"},
    "backup": {"name", "namespaces", "ttl", "storageLocation", "command", "written"},
    "recorded": {"test", "date", "result", "owner", "duration", "followUps", "file"},
}


def shape(document: dict[str, Any]) -> dict[str, set[str]]:
    """The key sets of ``document``: top level (``""``), ``summary`` and its object fields."""
    found = {"": set(document), "summary": set(document["summary"])}
    return found | {name: set(document[name] or ()) for name in NESTED if name in document}


def documented(command: str) -> dict[str, set[str]]:
    """The key sets docs/formats.md promises for ``command``'s document."""
    keys, counts = FIELDS[command]
    return {"": keys, "summary": counts} | {name: NESTED[name] for name in NESTED if name in keys}
