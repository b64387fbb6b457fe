"""``record TEST-ID``: append one run to a restore test's protocol in the plan file.

The plan goes through ruamel's round trip with its own indentation and quotes: comments,
key order and quoting stay as written, and the new run is appended to the test's
``protocol:`` (created at the end of the test when it has none). A comment that stood after
the old last run (about the next test) stays below the new one. The new text must load as a
valid RestoreTestPlan before it replaces the file, atomically (a temporary file in the same
folder, fsynced, with the file's mode, then renamed over it).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from msgspec import Struct
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.util import load_yaml_guess_indent

from compiler.core.diagnostics import Diagnostic
from compiler.load import load_text
from compiler.model.build import Kinds, build


class Entry(Struct, frozen=True):
    """One run as the command line gives it."""

    test_id: str
    result: str
    duration: str
    owner: str
    notes: tuple[str, ...] = ()
    day: dt.date | None = None


def run_mapping(entry: Entry, day: dt.date) -> CommentedMap:
    """The protocol entry: date, result, owner, duration and the follow-ups, if any."""
    run = CommentedMap()
    run["date"] = day
    run["result"] = entry.result
    run["owner"] = entry.owner
    run["duration"] = entry.duration
    if entry.notes:
        run["followUps"] = CommentedSeq(entry.notes)
    return run


def _dumper(text: str) -> tuple[YAML, Any]:
    """A round-trip dumper with the file's own indentation and quotes, and its data."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    data, sequence, offset = load_yaml_guess_indent(text, yaml=yaml)
    offset = 2 if offset is None else offset
    sequence = max(sequence or 4, offset + 2)
    yaml.indent(mapping=sequence - offset, sequence=sequence, offset=offset)
    return yaml, data


def _tail(node: Any) -> tuple[Any, Any] | None:
    """(collection, key) holding the comment after the last value of ``node``, if any."""
    if isinstance(node, CommentedMap) and node:
        key = list(node)[-1]
        return _tail(node[key]) or (node, key)
    if isinstance(node, CommentedSeq) and node:
        return _tail(node[-1]) or (node, len(node) - 1)
    return None


def _slot(holder: Any) -> int:
    """Where ruamel keeps the comment after a value: [0] in a sequence, [2] in a mapping."""
    return 0 if isinstance(holder, CommentedSeq) else 2


def _move_trailing_comment(found: tuple[Any, Any] | None, new: Any) -> None:
    """Comment lines after the old last value ``found`` (ruamel keeps them there) go after
    ``new``; the end-of-line comment of that value stays where it is."""
    target = _tail(new)
    if found is None or target is None:
        return
    holder, key = found
    comment = holder.ca.items.get(key)
    token = comment[_slot(holder)] if comment else None
    if token is None:
        return
    own, newline, following = token.value.partition("\n")
    if not following:
        return
    token.value = own + newline
    moved = copy.copy(token)
    moved.value = "\n" + following
    new_holder, new_key = target
    slots: list[Any] = [None, None, None, None]
    slots[_slot(new_holder)] = moved
    new_holder.ca.items[new_key] = slots


def _test(data: Any, test_id: str) -> Any:
    tests = data.get("spec", {}).get("tests", []) if isinstance(data, Mapping) else []
    return next((t for t in tests if isinstance(t, Mapping) and t.get("id") == test_id), None)


def appended(text: str, test_id: str, run: CommentedMap) -> str | None:
    """``text`` with ``run`` appended to the protocol of ``test_id`` (None: no such test)."""
    yaml, data = _dumper(text)
    test = _test(data, test_id)
    if test is None:
        return None
    found = _tail(test)
    protocol = test.get("protocol")
    if isinstance(protocol, CommentedSeq) and protocol:
        protocol.append(run)
    else:
        test["protocol"] = CommentedSeq([run])
    _move_trailing_comment(found, run)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return buffer.getvalue()


def check_plan(text: str, file: str, kinds: Kinds) -> list[Diagnostic]:
    """The problems of ``text`` as a policy file (none: it is a valid plan)."""
    doc, problems = load_text(text, file)
    if doc is None:
        return problems
    _, problems = build(doc, kinds)
    return problems


def replace_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in its folder, keeping its mode."""
    mode = path.stat().st_mode & 0o7777
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
