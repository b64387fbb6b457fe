"""How the CLI runs a command: the options every command shares, the RunConfig they make,
colour and progress on a terminal, and the outcome printed with its exit code. The
commands themselves are in :mod:`compiler.cli.main`."""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from compiler.cli.streams import unwritable
from compiler.commands import EXIT_INTERNAL, Outcome, failure
from compiler.config import RunConfig
from compiler.core.parallel import available_workers
from compiler.core.replay import Armed, Recorded, remember
from compiler.core.yamlnodes import Limits


def no_color() -> bool:
    """NO_COLOR (no-color.org): set to a non-empty value, it turns colour off."""
    return bool(os.environ.get("NO_COLOR"))


def use_color() -> bool:
    """On a terminal's stdout (None: the process started with it closed)."""
    return sys.stdout is not None and sys.stdout.isatty() and not no_color()


class Progress:
    """Progress on a terminal's stderr, and only once a run has taken more than a second."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.shown = False

    def __call__(self, message: str) -> None:
        if time.monotonic() - self.started > 1.0:
            click.echo(f"\r\x1b[2Kbackup-policy: {message}", nl=False, err=True)
            self.shown = True


PROGRESS = Progress()


def emit(command: str, fmt: str | None, call: Callable[[], Outcome]) -> None:
    """Print what ``call`` returns and exit with its code. An exception is an internal
    error (exit 3): a short message, never a traceback, and in a machine format (``fmt``,
    the ``--format`` given) still the one document that format promises. An outcome that
    names its inputs is remembered for replay when the program armed it (the context's
    object, :mod:`compiler.cli.entry`)."""
    try:
        outcome = call()
    except Exception as error:
        message = f"internal error: {type(error).__name__}: {error}"
        outcome = failure(command, chosen_format(fmt), EXIT_INTERNAL, message)
        report = "please report this with the policy that caused it\n"
        outcome = Outcome(outcome.exit_code, outcome.stdout, outcome.stderr + report)
    try:
        if PROGRESS.shown:
            click.echo("\r\x1b[2K", nl=False, err=True)  # clear the progress line
        if outcome.stdout:
            click.echo(outcome.stdout, nl=False)
        if outcome.stderr:
            click.echo(outcome.stderr, nl=False, err=True)
    except OSError as error:
        if error.errno == errno.EPIPE:
            raise  # a reader that stopped (`| head`): click ends the run quietly
        unwritable(error, EXIT_INTERNAL)
    armed = click.get_current_context().obj
    if isinstance(armed, Armed) and outcome.inputs is not None:
        recorded = Recorded(outcome.exit_code, outcome.stdout, outcome.stderr)
        with contextlib.suppress(Exception):  # replay only saves time: never fails a run
            remember(armed, recorded, outcome.inputs)
    sys.exit(outcome.exit_code)


FORMATS = ("text", "json", "github", "sarif")


def common(func: Callable[..., Any], formats: tuple[str, ...] = FORMATS) -> Callable[..., Any]:
    func = click.option(
        "--policies",
        "-p",
        type=click.Path(path_type=Path),
        default=Path("policies"),
        show_default=True,
        help="Folder with cluster.yaml, services/ and restore-tests.yaml.",
    )(func)
    func = click.option(
        "--format",
        "fmt",
        type=click.Choice(formats),
        default=None,
        help="Output format (docs/formats.md); github under GITHUB_ACTIONS=true, else text.",
    )(func)
    func = click.option(
        "--verbose", "-v", is_flag=True, help="Per-stage timings and acknowledged warnings."
    )(func)
    func = click.option(
        "--quiet",
        "-q",
        is_flag=True,
        help="Errors only (with --strict warnings too), no summaries.",
    )(func)
    func = click.option("--strict", is_flag=True, help="Warnings fail the run too.")(func)
    func = click.option(
        "--today",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        help="Judge expiry dates and deadlines on this date (YYYY-MM-DD), not today.",
    )(func)
    defaults = Limits()
    for name, default, meaning in (
        ("--max-bytes", defaults.max_bytes, "Largest policy file read, in bytes."),
        ("--max-depth", defaults.max_depth, "Deepest nesting of a policy file."),
        ("--max-nodes", defaults.max_nodes, "Most values of a policy document, aliases expanded."),
    ):
        option = click.option(name, type=click.IntRange(min=1), default=default, help=meaning)
        func = option(func)
    return func


def interactive() -> bool:
    """Progress goes to a terminal's stderr only; pipes and CI logs stay quiet."""
    terminal = sys.stderr is not None and sys.stderr.isatty()
    return terminal and not no_color() and "CI" not in os.environ


JOBS = "BACKUP_POLICY_JOBS"


def workers() -> int:
    """The processes a run may use: BACKUP_POLICY_JOBS (1: none forked), else every
    processor this process may run on, up to 4. A value that is not a whole number above 0
    is ignored: the setting changes how fast a run is, never what it finds or writes."""
    try:
        wanted = int(os.environ.get(JOBS, ""))
    except ValueError:  # unset, empty, not a number, or a number of 5,000 digits
        wanted = 0
    return wanted if wanted > 0 else available_workers()


def chosen_format(fmt: str | None) -> str:
    if fmt is not None:
        return fmt
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def config(
    policies: Path,
    fmt: str | None,
    max_bytes: int,
    max_depth: int,
    max_nodes: int,
    **extra: Any,
) -> RunConfig:
    chosen = chosen_format(fmt)
    today = extra.pop("today", None)
    return RunConfig(
        today=today.date() if today is not None else None,
        policies=policies,
        format=chosen,  # type: ignore[arg-type]
        color=use_color() and chosen == "text",
        progress=PROGRESS if interactive() and chosen == "text" else None,
        limits=Limits(max_bytes, max_depth, max_nodes),
        workers=workers(),
        **extra,
    )


output_option = click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="Output root (default: spec.output.root of the cluster policy).",
)


day_option = click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Day of the run (YYYY-MM-DD; default: today).",
)


def batch_gc() -> None:
    """Set the cyclic garbage collector up for one short run that keeps what it builds.

    With the default thresholds (a collection every 700 new objects) the collector scans the
    growing heap of a run hundreds of times. A run frees little before it exits, so it
    collects rarely, and never scans the objects the imports made (frozen). The young
    generation is still collected (most cycles die young); the older ones are not, within
    a run: at 5,000 services two collections of the middle generation took 586 ms, each
    scanning a million live objects, and freed nothing the peak memory showed (526 MB
    either way).
    """
    gc.freeze()
    gc.set_threshold(50_000, 1_000, 1_000)


def no_pydantic_plugins() -> None:
    """Skip pydantic's search for plugins, unless the environment asks for them.

    The first validator pydantic builds looks for plugins in the entry points of every
    installed distribution (about 15 ms of a 0.3 s ``validate`` in a large environment);
    the compiler uses none. ``PYDANTIC_DISABLE_PLUGINS`` set to anything (empty included)
    is left as it is, so plugins can still be had.
    """
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def exit_now(code: str | int | None) -> NoReturn:
    """End the process with ``code`` (a ``SystemExit`` code) without tearing the heap down.

    Python's finalisation frees every object a run built, one by one: 60 to 80 ms of a
    0.6 s ``check`` of the example, for memory the kernel takes back at once. The output is
    flushed first (a flush that fails exits 120, as Python's own exit does); every file
    the compiler writes is closed where it is written, and it registers no exit handlers.
    Under a tracer or a profiler (coverage, ``python -m cProfile``, a debugger) the exit is
    Python's own: those save their results at exit.
    """
    if sys.gettrace() is not None or sys.getprofile() is not None:
        sys.exit(code)
    status = code if isinstance(code, int) else 0 if code is None else 1
    if not isinstance(code, int | None):
        print(code, file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None: the process started with it closed
                stream.flush()
        except (OSError, ValueError):
            status = 120
    os._exit(status)
