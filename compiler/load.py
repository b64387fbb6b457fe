"""Stage 1, load: YAML files into plain data plus 1-based source positions.

ruamel.yaml's round-trip loader keeps the line/column of every key and value.
Positions are converted from 0-based to 1-based here, once, where they enter.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError

from compiler.core.diagnostics import Diagnostic
from compiler.core.rule import PathKey, Rule

Position = tuple[int, int]

YAML_SYNTAX = Rule(
    "BP100",
    "yaml-syntax",
    "error",
    "A policy file must be valid YAML.",
    "The position points at the character where the parser stopped; for a construct that "
    "is never closed (a quote, a flow list) it points at where the construct was opened.",
    passing="owner: platform",
    failing="owner: [platform",
)
DUPLICATE_KEY = Rule(
    "BP101",
    "duplicate-key",
    "error",
    "A key appears at most once in a mapping.",
    "YAML readers disagree on a repeated key (some keep the first, some the last); the "
    "compiler refuses it and names the line of the first one.",
    passing="spec:\n  owner: platform",
    failing="spec:\n  owner: platform\n  owner: media",
)
ONE_DOCUMENT = Rule(
    "BP102",
    "one-document",
    "error",
    "Each policy file holds exactly one YAML document.",
    passing="apiVersion: backup-policy/v1alpha1\nkind: ServicePolicy\n...",
    failing="kind: ServicePolicy\n...\n---\nkind: ServicePolicy\n...",
)
UNREADABLE = Rule(
    "BP103",
    "unreadable",
    "error",
    "Policy files and the policy directory must be readable UTF-8 text.",
    passing="a UTF-8 encoded services/web.yaml",
    failing="a Latin-1 encoded services/web.yaml (byte 0xe9 for é)",
)
RULES = (YAML_SYNTAX, DUPLICATE_KEY, ONE_DOCUMENT, UNREADABLE)


@dataclass(frozen=True)
class Document:
    """One YAML document with the position of every key and value in it."""

    file: str
    data: Any
    value_positions: dict[PathKey, Position] = field(default_factory=dict)
    key_positions: dict[PathKey, Position] = field(default_factory=dict)

    def locate(self, path: PathKey, *, key: bool = False) -> Position:
        """Position of ``path``'s key (or value); falls back to the nearest ancestor."""
        probe = tuple(path)
        if key and probe and isinstance(probe[-1], int) and probe in self.value_positions:
            return self.value_positions[probe]  # a list item has no key: point at the item
        while probe:
            table = self.key_positions if key else self.value_positions
            if probe in table:
                return table[probe]
            if probe in self.key_positions:
                return self.key_positions[probe]
            probe = probe[:-1]
        return self.value_positions.get((), (1, 1))


def _plain(node: Any, path: PathKey, doc: Document) -> Any:
    """Copy ruamel's node tree into dicts/lists/scalars while recording positions."""
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key, value in node.items():
            kline, kcol = node.lc.key(key)
            vline, vcol = node.lc.value(key)
            child = (*path, str(key))
            doc.key_positions[child] = (kline + 1, kcol + 1)
            doc.value_positions[child] = (vline + 1, vcol + 1)
            out[str(key)] = _plain(value, child, doc)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            line, col = node.lc.item(index)
            child = (*path, index)
            doc.value_positions[child] = (line + 1, col + 1)
            items.append(_plain(value, child, doc))
        return items
    if isinstance(node, bool | int | float) or node is None:
        return _scalar(node)
    return str(node)


def _scalar(node: Any) -> Any:
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    return float(node)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    # Keep timestamps as text: the model parses dates and reports bad ones with a position,
    # where ruamel's constructor would raise a bare ValueError for 2026-13-01.
    yaml.constructor.add_constructor(
        "tag:yaml.org,2002:timestamp", type(yaml.constructor).construct_yaml_str
    )
    return yaml


def load_text(text: str, file: str) -> tuple[Document | None, list[Diagnostic]]:
    """Parse one YAML document; syntax errors and duplicate keys become diagnostics."""
    try:
        documents = list(_yaml().load_all(text))
    except DuplicateKeyError as error:
        return None, [
            _marked(error, file, DUPLICATE_KEY, "duplicate key", _duplicate_hint(error, text), text)
        ]
    except MarkedYAMLError as error:
        return None, [_marked(error, file, YAML_SYNTAX, "YAML syntax error", "", text)]
    documents = [d for d in documents if d is not None]
    if len(documents) != 1:
        what = "is empty" if not documents else f"holds {len(documents)} documents"
        line, col = _start(documents[1]) if len(documents) > 1 else (1, 1)
        return None, [
            ONE_DOCUMENT.diagnostic(
                file,
                line,
                col,
                f"policy file {what}",
                "put exactly one policy document in each file",
            )
        ]
    doc = Document(file=file, data=None)
    root = documents[0]
    data = _plain(root, (), doc)
    if isinstance(root, CommentedMap | CommentedSeq):
        line, col = root.lc.line, root.lc.col
        doc.value_positions[()] = (line + 1, col + 1)
    return Document(file, data, doc.value_positions, doc.key_positions), []


def _start(node: Any) -> Position:
    if isinstance(node, CommentedMap | CommentedSeq):
        return node.lc.line + 1, node.lc.col + 1
    return 1, 1


def _marked(
    error: MarkedYAMLError, file: str, rule: Rule, summary: str, hint: str, text: str
) -> Diagnostic:
    mark = error.problem_mark or error.context_mark
    detail = (error.problem or "").strip()
    if error.context_mark is not None and mark is not None and mark.line >= len(text.splitlines()):
        # The file ended inside a construct: point at where it was opened.
        mark = error.context_mark
        hint = hint or "this was opened here and never closed"
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    message = f"{summary}: {detail}" if detail else summary
    return rule.diagnostic(file, line, col, message, hint)


def _duplicate_hint(error: DuplicateKeyError, text: str) -> str:
    found = re.search(r'duplicate key "([^"]*)"', error.problem or "")
    if found is None:
        return "remove or rename one of the two keys"
    name, first = found.group(1), _first_occurrence(error, found.group(1), text)
    where = f" (the first is on line {first})" if first else ""
    return f"remove or rename one of the two {name!r} keys{where}"


def _first_occurrence(error: DuplicateKeyError, name: str, text: str) -> int | None:
    """Line of the earlier key: same column, between the mapping start and the duplicate."""
    start, dup = error.context_mark, error.problem_mark
    if start is None or dup is None:
        return None
    lines = text.splitlines()
    pattern = re.compile(rf"^{re.escape(name)}\s*:")
    for number in range(start.line, dup.line):
        line = lines[number]
        if pattern.match(line[dup.column :]) and line[: dup.column].strip(" -{,") == "":
            return number + 1
    return None


def load_file(path: Path, display: str) -> tuple[Document | None, list[Diagnostic]]:
    """Read and parse ``path``, reporting it as ``display``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, [UNREADABLE.diagnostic(display, 0, 0, f"cannot read file: {error}")]
    return load_text(text, display)


def iter_policy_files(root: Path) -> Iterator[Path]:
    """Policy files below ``root`` in a stable order."""
    yield from sorted(p for p in root.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file())
