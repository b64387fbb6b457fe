"""The one writer of generated YAML: plain data in, block-style YAML text out.

Every generated manifest, and every YAML text embedded in one (a Litestream config, a
post-renderer patch), is written here, so quoting is decided in one place:

- a string is written plain unless a YAML 1.1 or 1.2 reader could read it as something
  else: Go's yaml.v2 (``y``, ``n``, ``on``, ``no`` are booleans, ``1:30`` is a number),
  yaml.v3 and PyYAML (numbers, dates, ``~``, ``null``), or as structure (a leading
  indicator, ``: ``, `` #``); ``${`` is quoted too so a Flux substitution stands out. Every
  string that starts with a digit is quoted (numbers, dates, durations, versions);
- multi-line text becomes a literal block (``|``), whatever could not survive one (a
  carriage return, a control character, trailing blanks on a line) a double-quoted string;
- keys are never quoted: a key that would need quotes is refused (keys are ours, not data);
- sequences are indented under their key (yamllint's ``indent-sequences``), each document
  starts with ``---``, and ``None``/floats are refused (no generated field is ``null``).

PyYAML's own emitter is not used: its Python emitter writes about 0.8 MB/s here (a
millisecond per manifest), its C emitter does not indent sequences, and both would write
``y`` or ``no`` plain. The round trip through PyYAML and ``kubectl kustomize`` is tested.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import yaml

INDENT = 2
# Characters that start YAML structure when they lead a plain scalar.
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW = frozenset(",[]{}")
# Words some YAML reader takes for a boolean or null (yaml.v2 reads y/n as booleans).
_WORDS = frozenset(["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"])
# JSON leaves these raw, but YAML folds (NEL), breaks on (LS, PS) or refuses (DEL, C1) them.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff]")
_PRINTABLE = re.compile(r"^[\x20-\x7e]*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")  # below space, but tab and line break
_TRAILING_BLANK = re.compile(r"[ \t]$", re.MULTILINE)
_RESOLVER = yaml.resolver.Resolver()


class EmitError(ValueError):
    """Data the emitter refuses: a null, a float, a key that would need quotes (a bug)."""


@lru_cache(maxsize=65536)
def plain_ok(text: str) -> bool:
    """True when ``text`` reads back as this same string from a plain scalar, everywhere."""
    if not text or text[0] in _INDICATORS or text[0].isdigit() or text[0] in "+.":
        return False
    if text != text.strip() or not _PRINTABLE.fullmatch(text) or text.lower() in _WORDS:
        return False
    if ": " in text or " #" in text or text.endswith(":") or "${" in text:
        return False
    if _FLOW.intersection(text):
        return False
    # The YAML 1.1 resolver PyYAML shares with the Go parsers: numbers, bools, '=', '<<'.
    implicit = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return bool(implicit == "tag:yaml.org,2002:str")


def quoted(text: str) -> str:
    """A double-quoted scalar (JSON is YAML) with YAML's extra unsafe characters escaped."""
    return _YAML_UNSAFE.sub(
        lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False)
    )


def scalar(value: object) -> str:
    """One scalar as YAML text (for a value that is not a multi-line string)."""
    if type(value) is str:  # most scalars: skip the isinstance chain
        return value if plain_ok(value) else quoted(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value if plain_ok(value) else quoted(value)
    raise EmitError(f"refusing to write {type(value).__name__} {value!r} as a YAML scalar")


def _block_ok(text: str) -> bool:
    """A literal block keeps ``text`` exactly: no CR, no controls, no blanks before a break,
    and no tab at its very start (Go's yaml.v3 takes it for indentation, even after ``|2``)."""
    if "\r" in text or text.startswith("\t") or _YAML_UNSAFE.search(text):
        return False
    return not _CONTROL.search(text) and not _TRAILING_BLANK.search(text)


def _literal(text: str, indent: int) -> list[str]:
    """``|`` header plus body lines, content indented ``indent`` spaces."""
    if text.endswith("\n\n") or text == "\n":
        chomp, lines = "+", text.split("\n")[:-1]
    else:
        chomp = "" if text.endswith("\n") else "-"
        lines = text.rstrip("\n").split("\n")
    indicator = str(INDENT) if text[:1] in {" ", "\t", "\n"} else ""
    pad = " " * indent
    return [f"|{indicator}{chomp}", *(pad + line if line else "" for line in lines)]


def _key(key: object) -> str:
    if not isinstance(key, str) or not plain_ok(key):
        raise EmitError(f"refusing the mapping key {key!r}: generated keys are never quoted")
    return key


def _value_lines(value: object, indent: int, flux: bool) -> tuple[str, list[str]]:
    """What follows ``key:`` or ``- `` on its line, and the lines below it (``flux``: a
    string's ``${`` written ``$${``, see :func:`flux_escaped`)."""
    if flux and isinstance(value, str):
        value = value.replace("${", "$${")
    if type(value) is str and "\n" not in value:  # the common case, before the ABC checks
        return " " + scalar(value), []
    if isinstance(value, Mapping):
        return ("", _mapping(value, indent, flux)) if value else (" {}", [])
    if isinstance(value, list | tuple):
        return ("", _sequence(value, indent, flux)) if value else (" []", [])
    if isinstance(value, str) and "\n" in value and _block_ok(value):
        head, *body = _literal(value, indent)
        return " " + head, body
    return " " + scalar(value), []


def _mapping(value: Mapping[Any, Any], indent: int, flux: bool) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for key, item in value.items():
        head, body = _value_lines(item, indent + INDENT, flux)
        lines.append(f"{pad}{_key(key)}:{head}")
        lines.extend(body)
    return lines


def _sequence(value: Sequence[Any], indent: int, flux: bool) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for item in value:
        if isinstance(item, Mapping) and item:
            inner = _mapping(item, indent + INDENT, flux)
            lines.append(f"{pad}- {inner[0].lstrip()}")
            lines.extend(inner[1:])
        elif isinstance(item, list | tuple) and item:
            inner = _sequence(item, indent + INDENT, flux)
            lines.append(f"{pad}- {inner[0].lstrip()}")
            lines.extend(inner[1:])
        else:
            head, body = _value_lines(item, indent + INDENT, flux)
            lines.append(f"{pad}-{head}")
            lines.extend(body)
    return lines


def dump(value: Mapping[str, Any] | Sequence[Any], *, flux: bool = False) -> str:
    """One value (a mapping or a sequence) as block YAML text, no document marker;
    ``flux`` escapes substitutions as :func:`flux_escaped` does, without copying."""
    if isinstance(value, Mapping):
        lines = _mapping(value, 0, flux)
    elif isinstance(value, list | tuple):
        lines = _sequence(value, 0, flux)
    else:
        raise EmitError("a YAML document must be a mapping or a sequence")
    if not lines:
        raise EmitError("refusing an empty document")
    return "\n".join(lines) + "\n"


def flux_escaped(value: Any) -> Any:
    """``value`` with every ``${`` in its strings written ``$${``.

    Flux's post-build substitution replaces ``${VAR}`` in everything a Kustomization
    applies, and turns ``$${VAR}`` into ``${VAR}``. Escaping every string of a generated
    file (never a key: keys cannot hold ``${``) keeps a runtime variable for the program
    that expands it (Litestream, a shell) and makes a policy value inert: no value can
    introduce a substitution.
    """
    if isinstance(value, str):
        return value.replace("${", "$${")
    if isinstance(value, Mapping):
        return {key: flux_escaped(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [flux_escaped(item) for item in value]
    return value


def dump_documents(
    documents: Sequence[Mapping[str, Any] | Sequence[Any]], *, flux: bool = False
) -> str:
    """Several documents, each starting with ``---``; ``flux`` escapes substitutions."""
    return "".join("---\n" + dump(document, flux=flux) for document in documents)
