"""Stage 1, load: policy files into plain data plus 1-based source positions.

PyYAML's C parser composes each file (:mod:`compiler.core.yamlnodes`); the data is read
with the YAML 1.2 core schema (only ``true``/``false`` are booleans) and bounded: a file
over the size limit is not parsed, an alias bomb or deep nesting stops at its position,
and an unknown tag or a repeated key is a problem where it stands. Messages name keys and
positions, never values.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from compiler.core.diagnostics import Diagnostic
from compiler.core.paths import Resolve, inside, open_regular
from compiler.core.rule import PathKey, Rule
from compiler.core.yamlnodes import Converter, Limits, YamlProblem, compose

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
    "A policy file is a regular file (or a link to one): a FIFO, device or socket named "
    "`*.yaml` is not read, so it cannot stop the run waiting for a writer.",
    passing="a UTF-8 encoded services/web.yaml",
    failing="a Latin-1 encoded services/web.yaml (byte 0xe9 for é)",
)
INPUT_LIMIT = Rule(
    "BP104",
    "input-limit",
    "error",
    "A policy file stays within the reader's bounds: size, nesting depth, expanded aliases.",
    "Defaults: 1 MiB per file, 64 levels, 100,000 values after expanding aliases; raise them "
    "with --max-bytes, --max-depth and --max-nodes. The check stops at the position where the "
    "bound trips, before the rest is read.",
    passing="a: &x [1, 2]\nb: *x",
    failing="a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n...",
)
YAML_TAG = Rule(
    "BP105",
    "yaml-tag",
    "error",
    "Policy values are plain YAML: no tags such as !!python/object or !secret.",
    passing="owner: platform",
    failing="owner: !!python/object:os.system platform",
)
RULES = (YAML_SYNTAX, DUPLICATE_KEY, ONE_DOCUMENT, UNREADABLE, INPUT_LIMIT, YAML_TAG)
_BY_KIND = {
    "syntax": YAML_SYNTAX,
    "duplicate": DUPLICATE_KEY,
    "tag": YAML_TAG,
    "limit": INPUT_LIMIT,
}


class Document(Struct, frozen=True):
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


def _problem(problem: YamlProblem, file: str, summary: str = "") -> Diagnostic:
    rule = _BY_KIND[problem.kind]
    message = f"{summary}: {problem.message}" if summary else problem.message
    return rule.diagnostic(file, *problem.at, message, problem.hint)


def load_text(
    text: str, file: str, limits: Limits | None = None
) -> tuple[Document | None, list[Diagnostic]]:
    """Parse one policy document; every problem becomes a positioned diagnostic."""
    limits = limits or Limits()
    try:
        nodes = compose(text, "1.2")
    except YamlProblem as problem:
        return None, [_problem(problem, file, "YAML syntax error")]
    nodes = [n for n in nodes if not (n.tag.endswith(":null") and n.value in ("", "~", "null"))]
    if len(nodes) != 1:
        what = "is empty" if not nodes else f"holds {len(nodes)} documents"
        mark = nodes[1].start_mark if len(nodes) > 1 else None
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        hint = "put one policy document in each file"
        return None, [ONE_DOCUMENT.diagnostic(file, line, col, f"policy file {what}", hint)]
    converter = Converter(strict=True, limits=limits)
    try:
        data = converter.convert(nodes[0])
    except YamlProblem as problem:
        return None, [_problem(problem, file)]
    return Document(file, data, converter.values, converter.keys), []


def _byte_position(data: bytes, offset: int) -> tuple[int, int]:
    """The 1-based line and column (in bytes) of ``offset``."""
    before = data[:offset]
    return before.count(b"\n") + 1, offset - (before.rfind(b"\n") + 1) + 1


def load_file(
    path: Path,
    display: str,
    limits: Limits | None = None,
    repository: Path | None = None,
    resolve: Resolve = Path.resolve,
) -> tuple[Document | None, list[Diagnostic]]:
    """Read and parse ``path``, reporting it as ``display``; a symbolic link out of
    ``repository`` is refused without being read."""
    limits = limits or Limits()
    if repository is not None and not inside(path, repository, resolve):
        message = "a symbolic link to a file outside the repository: not read"
        hint = "copy the policy into the repository"
        return None, [UNREADABLE.diagnostic(display, 1, 1, message, hint)]
    try:
        with open_regular(path) as raw:  # a FIFO named *.yaml is refused, not waited on
            size = os.fstat(raw.fileno()).st_size
            if size > limits.max_bytes:
                message = f"the file has {size} bytes, more than the limit of {limits.max_bytes}"
                hint = "a policy is a few kilobytes; raise --max-bytes if this one must be larger"
                return None, [INPUT_LIMIT.diagnostic(display, 1, 1, message, hint)]
            with io.TextIOWrapper(raw, encoding="utf-8") as stream:  # as path.read_text()
                text = stream.read()
    except UnicodeDecodeError as error:
        line, col = _byte_position(error.object, error.start)
        message = f"cannot read file: not UTF-8 text (byte {error.start})"
        return None, [UNREADABLE.diagnostic(display, line, col, message)]
    except OSError as error:
        message = f"cannot read file: {error.strerror or type(error).__name__}"
        return None, [UNREADABLE.diagnostic(display, 1, 1, message)]
    return load_text(text.removeprefix("\ufeff"), display, limits)


def iter_policy_files(root: Path) -> Iterator[Path]:
    """Policy files below ``root`` in a stable order; symbolic links to folders are not
    followed, links to files are listed (and checked when read)."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        found += [Path(folder) / n for n in files if n.endswith((".yaml", ".yml"))]
    yield from sorted(found)
