"""Replay: a ``validate`` or ``check`` whose inputs did not change prints what the same
run printed last time, without importing the compiler's stages and their libraries.

The pre-commit hooks run ``validate`` and ``check`` on every commit, and most commits
change no policy and no generated file. Such a run took 0.5 to 0.6 s on the example, most
of it importing pydantic, jinja2 and the compiler; replayed, it takes the interpreter's
start and a digest of its inputs (:mod:`compiler.core.witness`).

An entry is found by the run's key: the command line, the working directory, the
environment variables that change what a run prints, whether its output goes to a
terminal, today's date and time zone (deadlines are judged on it), and a fingerprint of
the compiler, its libraries and the time zone database. It holds what the run read (its
folders), their digest, and the run's exit code and output. It is replayed only when the
digest of those folders is the same now, when the repository is the same, and when no
staging folder is there (the full run settles what a killed compile left).

An entry is replayed only once it is confirmed: the run that wrote it found the same
digest before it read anything (its lookup) as after it ran. A file changed while a run
read it (even one copied back with its old time) leaves the entry unconfirmed, and the
next run runs too; so does a first run, which has nothing to compare with. The third run
of a command on unchanged inputs is the first replay. (A file changed and changed back
while a run reads it is not seen.) Not remembered at all: a run that printed timings
(``--verbose``) or the note of a settled compile, and output that ``click`` would not
print as it is (colour codes to something that is not a terminal). Not replayed: output
to a stream that is not UTF-8 (click re-encodes it), a run with Python's warnings on.

``BACKUP_POLICY_NO_REPLAY`` turns replay off, ``BACKUP_POLICY_NO_CACHE`` with the other
caches; the entries are in the user's cache folder (:mod:`compiler.core.user_cache`), never
in the repository.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import sys
import time
import zoneinfo
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from compiler.core.paths import STAGING_PREFIX, open_regular, repository_root
from compiler.core.user_cache import keep_newest, private_folder, replace_file
from compiler.core.witness import KINDS, Watched, code_fingerprint, digest, names_fingerprint

NO_REPLAY = "BACKUP_POLICY_NO_REPLAY"
"""Set to a non-empty value: every run is run (and none remembered); the other caches stay."""
KIND = "runs"
FORMAT = 2
REPLAYED = frozenset({"validate", "check"})
MAX_ENTRIES = 64
MAX_TEXT = 1 << 20
"""Output larger than this (a long drift diff) is not kept."""
ENVIRONMENT = (
    "CI",
    "GITHUB_ACTIONS",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "NO_COLOR",
    "PYTHONIOENCODING",
    "PYTHONTZPATH",
    "PYTHONUTF8",
    "SOURCE_DATE_EPOCH",
    "TERM",
    "TZ",
)
"""What a run's output depends on in the environment (with every ``BACKUP_POLICY_*``)."""
_NOT_REPLAYED = ("--verbose", "--help", "--version")


class Recorded(NamedTuple):
    """What a run printed, and its exit code."""

    exit_code: int
    stdout: str
    stderr: str


class Inputs(NamedTuple):
    """What a run read: its folders, and the repository it held them in."""

    watched: tuple[Watched, ...]
    repository: str


class Seen(NamedTuple):
    """What the remembered run read, and its digest, taken before this run read anything."""

    watched: tuple[Watched, ...]
    digest: str


class Armed(NamedTuple):
    """A run that may be replayed now, or remembered when it ends."""

    key: str
    folder: Path
    terminals: tuple[bool, bool]
    seen: Seen | None = None


def arm(argv: Sequence[str], environ: Mapping[str, str]) -> Armed | None:
    """The replay key of the command line ``argv`` (without the program's name), or None
    when the run is not one that is replayed."""
    if not argv or argv[0] not in REPLAYED or not _plain(argv[1:]) or environ.get(NO_REPLAY):
        return None
    encodings = [_encoding(sys.stdout), _encoding(sys.stderr)]
    if not all(e.startswith(("utf-8/", "utf8/")) for e in encodings) or _warning(environ):
        return None  # click re-encodes other streams; Python's warnings are the run's own
    folder = private_folder(KIND, environ)
    if folder is None:
        return None
    terminals = (_is_terminal(1), _is_terminal(2))
    material = {
        "format": FORMAT,
        "code": code_fingerprint(_shipped()),
        "zones": names_fingerprint(zoneinfo.TZPATH),
        "argv": list(argv),
        "cwd": os.getcwd(),
        "environment": {
            name: value
            for name, value in sorted(environ.items())
            if name in ENVIRONMENT or name.startswith("BACKUP_POLICY_")
        },
        "terminals": terminals,
        "encodings": encodings,
        "today": [dt.date.today().isoformat(), time.tzname, time.timezone],
    }
    text = json.dumps(material, sort_keys=True, ensure_ascii=True, default=str)
    key = hashlib.blake2b(text.encode(), digest_size=20).hexdigest()
    return Armed(key, folder, terminals)


def lookup(armed: Armed) -> tuple[Recorded | None, Armed]:
    """The output of the run remembered under ``armed``'s key when it may be replayed now,
    and ``armed`` with what that run read as it is now (:class:`Seen`), for :func:`remember`
    to tell whether this run's inputs changed while it ran."""
    try:
        with open_regular(armed.folder / f"{armed.key}.json") as stream:
            entry = json.loads(stream.read().decode("utf-8"))
        watched = tuple(_watched(*read) for read in entry["read"])
        recorded = Recorded(_exit_code(entry["exit"]), str(entry["stdout"]), str(entry["stderr"]))
        inputs = Inputs(watched, str(entry["repository"]))
        policies = next(w.path for w in watched if w.kind == "policies")
    except (OSError, ValueError, TypeError, KeyError, StopIteration):
        return None, armed
    seen = Seen(watched, digest(watched, inputs.repository))
    armed = armed._replace(seen=seen)
    if str(repository_root(Path(policies))) != inputs.repository or _unsettled(inputs):
        return None, armed
    same = entry.get("confirmed") is True and seen.digest == entry.get("digest")
    return (recorded if same else None), armed


def remember(armed: Armed, recorded: Recorded, inputs: Inputs) -> None:
    """Keep ``recorded`` under ``armed``'s key. It is replayed later only if this run's
    inputs were the same before it read them as after (``confirmed``); else it is kept
    unconfirmed, as the digest the next run compares with."""
    if not _keepable(recorded, armed.terminals) or _unsettled(inputs):
        return
    found = digest(inputs.watched, inputs.repository)
    entry = {
        "read": [list(w) for w in inputs.watched],
        "repository": inputs.repository,
        "digest": found,
        "confirmed": armed.seen == Seen(inputs.watched, found),
        "exit": recorded.exit_code,
        "stdout": recorded.stdout,
        "stderr": recorded.stderr,
    }
    with contextlib.suppress(OSError):
        content = json.dumps(entry, ensure_ascii=True).encode()
        replace_file(armed.folder / f"{armed.key}.json", content)
        keep_newest(armed.folder, ".json", MAX_ENTRIES, time.time())


def _watched(path: object, kind: object, limit: object) -> Watched:
    if kind not in KINDS or not isinstance(limit, int):
        raise ValueError(f"not a watched folder: {kind!r}")
    return Watched(str(path), kind, limit)


def _exit_code(value: object) -> int:
    """An exit code the program gives (0 to 3); anything else is a damaged entry."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 3:
        raise ValueError(f"not an exit code: {value!r}")
    return value


def _shipped() -> list[str]:
    """The compiler's own files: its package, and the templates beside it in a checkout
    (the time zone database its policy models read is fingerprinted by its names)."""
    package = Path(__file__).resolve().parents[1]
    return [str(package), str(package.parent / "templates")]


def _warning(environ: Mapping[str, str]) -> bool:
    """Whether Python may print warnings of its own (-W, PYTHONWARNINGS, development mode):
    a replay would not print them."""
    return bool(sys.warnoptions or sys.flags.dev_mode or environ.get("PYTHONWARNINGS"))


def _plain(options: Sequence[str]) -> bool:
    """No option that prints what a replay cannot (timings, help): ``-v`` also inside a
    group of short flags (``-qv``)."""
    for option in options:
        if option in _NOT_REPLAYED:
            return False
        if option.startswith("-") and not option.startswith("--") and set(option) & {"v", "h"}:
            return False
    return True


def _is_terminal(descriptor: int) -> bool:
    try:
        return os.isatty(descriptor)
    except OSError:
        return False


def _encoding(stream: object) -> str:
    return f"{getattr(stream, 'encoding', '')}/{getattr(stream, 'errors', '')}"


def _keepable(recorded: Recorded, terminals: tuple[bool, bool]) -> bool:
    """Output printed as it is: click strips colour codes going to a pipe or a file."""
    if len(recorded.stdout) + len(recorded.stderr) > MAX_TEXT:
        return False
    streams = zip((recorded.stdout, recorded.stderr), terminals, strict=True)
    return all(terminal or "\x1b" not in text for text, terminal in streams)


def _unsettled(inputs: Inputs) -> bool:
    """Whether a compile's staging folder is in the repository (or it cannot be listed)."""
    try:
        with os.scandir(inputs.repository) as entries:
            return any(entry.name.startswith(STAGING_PREFIX) for entry in entries)
    except OSError:
        return True
