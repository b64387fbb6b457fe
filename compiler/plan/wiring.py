"""Does each app's own kustomization list its backup Component? And the text that would.

kustomize builds an app from its kustomization.yaml (``<app>/`` or the flux-template
``<app>/app/``); a Component that is not listed under ``components:`` is never applied, so
the backups it carries silently never exist. ``compile --fix`` writes the ``fixed`` text:
the same file through ruamel's round trip, with its comments, quotes, a leading ``---`` (and
what stands above it) and its own mapping and sequence indentation; the write stage keeps
its file mode.
"""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from compiler.plan.types import ComponentPlan, Wiring
from compiler.tree import Inventory

if TYPE_CHECKING:
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedSeq

# ruamel.yaml (11 ms to import, a few percent of a `check` of the example) is imported by the
# functions that edit a kustomization, and only when one must be edited: a tree whose apps
# list their Components never needs it.


def _lists(components: Sequence[str], wanted: str) -> bool:
    normal = wanted.removeprefix("./").rstrip("/")
    return any(str(c).removeprefix("./").rstrip("/") == normal for c in components)


# A document start marker alone on its line, perhaps with a comment.
_DOCUMENT_START = re.compile(r"---(?:\s+#.*)?")


def _split_start(text: str) -> tuple[str, str]:
    """(the lines up to and including a leading ``---``, the rest). ruamel drops the marker
    and the comments above it, so they are kept as written."""
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines):
        stripped = line.strip()
        if _DOCUMENT_START.fullmatch(stripped):
            return "".join(lines[: number + 1]), "".join(lines[number + 1 :])
        if stripped and not stripped.startswith(("#", "%")):
            break
    return "", text


def _mapping_indent(text: str) -> int | None:
    """The indent of the first nested mapping: ruamel guesses it only when no block
    sequence comes before it, and kustomizations start with ``resources:`` lists."""
    lines = [line for line in text.splitlines() if line.strip() and line.strip()[0] != "#"]
    for line, following in pairwise(lines):
        inner = following.lstrip(" ")
        if not line.rstrip().endswith(":") or inner.startswith("- "):
            continue
        key_column = len(line) - len(line.lstrip(" -"))
        if len(following) - len(inner) > key_column:
            return len(following) - len(inner) - key_column
    return None


def _dumper(body: str) -> tuple[YAML, Any]:
    """A round-trip dumper with the file's own indentation and quotes, and its data."""
    from ruamel.yaml import YAML
    from ruamel.yaml.util import load_yaml_guess_indent

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    data, sequence, offset = load_yaml_guess_indent(body, yaml=yaml)
    mapping = _mapping_indent(body) or 2
    if offset is None or sequence is None:  # no block sequence yet: indent it like yamllint
        offset, sequence = mapping, mapping + 2
    yaml.indent(mapping=mapping, sequence=max(sequence, offset + 2), offset=offset)
    return yaml, data


def _line_ends(original: str, edited: str) -> str:
    """``edited`` with the line ends of ``original``: ruamel writes ``\n``, and a
    kustomization written with ``\r\n`` (on Windows) keeps them."""
    if "\r\n" not in original:
        return edited
    return edited.replace("\r\n", "\n").replace("\n", "\r\n")


def _append(sequence: CommentedSeq, item: str) -> None:
    """Append ``item``. ruamel keeps the lines after the last item (blank lines, comments
    about the next key) in that item's comment: they move below the new one, and only its
    end-of-line comment stays."""
    last = len(sequence) - 1
    sequence.append(item)
    comment = sequence.ca.items.get(last, [None])[0] if last >= 0 else None
    if comment is None:
        return
    own, newline, following = comment.value.partition("\n")
    if following:
        comment.value = own + newline
        moved = copy.copy(comment)
        moved.value = "\n" + following
        sequence.ca.items[last + 1] = [moved, None, None, None]


def with_component(text: str, component: str) -> str | None:
    """``text`` (a kustomization) with ``component`` appended to ``components:``; comments,
    ``---`` and indentation kept. None when it is not one YAML mapping."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.error import YAMLError

    start, body = _split_start(text)
    try:
        yaml, data = _dumper(body)
    except YAMLError:
        return None
    if not isinstance(data, CommentedMap):
        return None
    components = data.get("components")
    if not isinstance(components, CommentedSeq):
        components = CommentedSeq()
        data["components"] = components
    _append(components, component)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return _line_ends(text, start + buffer.getvalue())


def _following(sequence: CommentedSeq) -> str:
    """The lines after a sequence's end (blank lines, comments about the next key), which
    ruamel keeps in its last item's comment."""
    comment = sequence.ca.items.get(len(sequence) - 1, [None])[0]
    if comment is None:
        return ""
    own, newline, following = comment.value.partition("\n")
    comment.value = own + newline
    return str(following)


def _carry(sequence: CommentedSeq, following: str) -> None:
    """Put ``following`` back after the (new) last item of ``sequence``."""
    last = len(sequence) - 1
    comment = sequence.ca.items.get(last, [None])[0]
    if comment is None:
        sequence.yaml_add_eol_comment("x", last)
        comment = sequence.ca.items[last][0]
        comment.value = "\n"
    comment.value = comment.value.rstrip("\n") + "\n" + following


def without_components(text: str, entries: Sequence[str]) -> str | None:
    """``text`` (a kustomization) without the ``components:`` items ``entries``."""
    return without_entries(text, "components", entries)


def without_entries(text: str, key: str, entries: Sequence[str]) -> str | None:
    """``text`` (a kustomization) without the ``key`` items ``entries`` (the key goes when
    it is left empty); comments, ``---`` and indentation kept. None when it is not one YAML
    mapping with such items."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.error import YAMLError

    start, body = _split_start(text)
    try:
        yaml, data = _dumper(body)
    except YAMLError:
        return None
    listed = data.get(key) if isinstance(data, CommentedMap) else None
    if not isinstance(listed, CommentedSeq):
        return None
    doomed = [i for i, item in enumerate(listed) if _lists(entries, str(item))]
    if not doomed:
        return None
    following = _following(listed)
    for index in reversed(doomed):
        del listed[index]
    if not listed:
        before = list(data).index(key) - 1
        del data[key]
        listed = data[list(data)[before]] if before >= 0 else None
    if following and isinstance(listed, CommentedSeq) and listed:
        _carry(listed, following)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return _line_ends(text, start + buffer.getvalue())


def _state(component: ComponentPlan, inventory: Inventory) -> Wiring:
    found = inventory.app_kustomization(component.app_dir)
    if found is None:
        return Wiring(component, "missing")
    kustomization, reference = found
    if kustomization.error:
        return Wiring(
            component,
            "unreadable",
            kustomization.file,
            kustomization.error_at,
            kustomization.error,
            reference,
        )
    if _lists(kustomization.components, reference):
        return Wiring(component, "listed", kustomization.file, reference=reference)
    text = inventory.files[kustomization.file].text or ""
    fixed = with_component(text, reference) or ""
    at = kustomization.components_at or (1, 1)
    return Wiring(component, "unlisted", kustomization.file, at, reference=reference, fixed=fixed)


def wiring(components: Sequence[ComponentPlan], inventory: Inventory) -> tuple[Wiring, ...]:
    return tuple(_state(component, inventory) for component in components)
