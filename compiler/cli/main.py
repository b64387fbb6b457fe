"""``backup-policy``: a thin click layer that builds a RunConfig and calls the library."""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from compiler import __version__
from compiler.commands import EXIT_INTERNAL, Outcome
from compiler.config import RunConfig
from compiler.core.yamlnodes import Limits

# Command modules are imported inside their command, for start-up speed: `validate` (the
# pre-commit hook) then never imports the tree, plan, render and write stages.
KIND_NAMES = ("ClusterPolicy", "RestoreTestPlan", "ServicePolicy")


def _no_color() -> bool:
    """NO_COLOR (no-color.org): set to a non-empty value, it turns colour off."""
    return bool(os.environ.get("NO_COLOR"))


def _use_color() -> bool:
    return sys.stdout.isatty() and not _no_color()


class Progress:
    """Progress on a terminal's stderr, and only once a run has taken more than a second."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.shown = False

    def __call__(self, message: str) -> None:
        if time.monotonic() - self.started > 1.0:
            click.echo(f"\r\x1b[2Kbackup-policy: {message}", nl=False, err=True)
            self.shown = True


_PROGRESS = Progress()


def _emit(call: Callable[[], Outcome]) -> None:
    try:
        outcome = call()
    except Exception as error:
        click.echo(f"backup-policy: internal error: {type(error).__name__}: {error}", err=True)
        click.echo("please report this with the policy that caused it", err=True)
        sys.exit(EXIT_INTERNAL)
    if _PROGRESS.shown:
        click.echo("\r\x1b[2K", nl=False, err=True)  # clear the progress line
    if outcome.stdout:
        click.echo(outcome.stdout, nl=False)
    if outcome.stderr:
        click.echo(outcome.stderr, nl=False, err=True)
    sys.exit(outcome.exit_code)


FORMATS = ("text", "json", "github", "sarif")


def _common(func: Callable[..., Any], formats: tuple[str, ...] = FORMATS) -> Callable[..., Any]:
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
    func = click.option("--quiet", "-q", is_flag=True, help="Errors only, no summaries.")(func)
    func = click.option("--strict", is_flag=True, help="Warnings fail the run too.")(func)
    func = click.option(
        "--today",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        help="Judge expiry dates and deadlines on this date (YYYY-MM-DD), not today.",
    )(func)
    for name, default, meaning in (
        ("--max-bytes", Limits.max_bytes, "Largest policy file read, in bytes."),
        ("--max-depth", Limits.max_depth, "Deepest nesting of a policy file."),
        ("--max-nodes", Limits.max_nodes, "Most values of a policy document, aliases expanded."),
    ):
        option = click.option(name, type=click.IntRange(min=1), default=default, help=meaning)
        func = option(func)
    return func


def _interactive() -> bool:
    """Progress goes to a terminal's stderr only; pipes and CI logs stay quiet."""
    return sys.stderr.isatty() and not _no_color() and "CI" not in os.environ


def _format(fmt: str | None) -> str:
    if fmt is not None:
        return fmt
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def _config(
    policies: Path,
    fmt: str | None,
    max_bytes: int,
    max_depth: int,
    max_nodes: int,
    **extra: Any,
) -> RunConfig:
    chosen = _format(fmt)
    today = extra.pop("today", None)
    return RunConfig(
        today=today.date() if today is not None else None,
        policies=policies,
        format=chosen,  # type: ignore[arg-type]
        color=_use_color() and chosen == "text",
        progress=_PROGRESS if _interactive() and chosen == "text" else None,
        limits=Limits(max_bytes, max_depth, max_nodes),
        **extra,
    )


_output = click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="Output root (default: spec.output.root of the cluster policy).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="backup-policy")
def cli() -> None:
    """Compile per-service backup policies into K8up, Longhorn, Velero and Litestream manifests."""


@cli.command()
@_common
def validate(**options: Any) -> None:
    """Check the policies only (fast; for the pre-commit hook)."""
    from compiler.commands.validate import run_validate

    _emit(lambda: run_validate(_config(**options)))


@cli.command()
@_common
@_output
def check(**options: Any) -> None:
    """Exit 1 with a diff if the output is not a fresh compile. Writes nothing."""
    from compiler.commands.build import run_check

    _emit(lambda: run_check(_config(**options)))


@cli.command(name="compile")
@_common
@_output
@click.option("--fix", is_flag=True, help="Add the backup Component to app kustomizations.")
def compile_(**options: Any) -> None:
    """Write the generated manifests (only files that changed)."""
    from compiler.commands.build import run_compile

    _emit(lambda: run_compile(_config(**options)))


@cli.command()
@lambda func: _common(func, (*FORMATS, "markdown"))
@_output
@click.option("--base", required=True, help="The git ref to compare with, e.g. origin/main.")
def diff(base: str, **options: Any) -> None:
    """What a change does to protection, per data item, since BASE (a PR comment)."""
    from compiler.commands.diff import run_diff

    markdown = options.get("fmt") == "markdown"
    if markdown:
        options["fmt"] = "text"
    _emit(lambda: run_diff(_config(**options), base, markdown))


@cli.command()
@_common
@click.argument("service")
def explain(service: str, **options: Any) -> None:
    """Show a service's effective protection and why."""
    from compiler.commands.explain import run_explain

    _emit(lambda: run_explain(_config(**options), service))


@cli.command()
@_common
@_output
def coverage(**options: Any) -> None:
    """Every PVC and replicated SQLite DB of the tree: covered, exempt or uncovered.

    Reads the tree at --output (else the cluster policy's output root); without a policy
    folder, --output is required and nothing is covered.
    """
    from compiler.commands.coverage import run_coverage

    _emit(lambda: run_coverage(_config(**options)))


@cli.command(name="import")
@_common
@click.option(
    "--root",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="The tree to import (default: the cluster policy's output root, else '.').",
)
@click.option(
    "--output",
    "-o",
    "target",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder the policies are written to (default: the policies folder).",
)
def import_(root: Path | None, target: Path | None, **options: Any) -> None:
    """Write policies that reproduce the protection the tree's backup objects give today.

    Never writes over a policy file with content; prints what it could not map.
    """
    from compiler.commands.imports import run_import
    from compiler.pipeline.importer import ImportRequest

    _emit(lambda: run_import(_config(**options), ImportRequest(root, target)))


@cli.command()
@click.option(
    "--kind",
    type=click.Choice(KIND_NAMES),
    default=None,
    help="One kind's schema (default: all kinds).",
)
def schema(kind: str | None) -> None:
    """Print the JSON Schema of the policy format."""
    from compiler.commands.schema import run_schema

    _emit(lambda: run_schema(kind))


@cli.command(name="rules")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="A table, JSON, or the Markdown of docs/rules.md.",
)
def rules_(fmt: str) -> None:
    """List every diagnostic ID: level, name and what it checks."""
    from compiler.commands.rules import run_rules

    _emit(lambda: run_rules(fmt))


_day = click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Day of the run (YYYY-MM-DD; default: today).",
)


@cli.command()
@_common
@_output
@_day
@click.argument("test_id", metavar="TEST-ID")
def drill(test_id: str, day: Any, **options: Any) -> None:
    """Write the manifests of one run of a restore test and print its checklist."""
    from compiler.commands.drill import run_drill

    _emit(lambda: run_drill(_config(**options), test_id, day.date() if day else None))


@cli.command()
@_common
@_day
@click.argument("test_id", metavar="TEST-ID")
@click.option(
    "--result",
    "outcome",
    type=click.Choice(["passed", "failed", "partial"]),
    required=True,
    help="How the run went.",
)
@click.option("--duration", required=True, help="Measured restore time, e.g. 25m or 1h10m.")
@click.option("--owner", required=True, help="Who ran the test.")
@click.option("--notes", multiple=True, help="A follow-up the run showed (repeatable).")
def record(
    test_id: str, day: Any, outcome: str, duration: str, owner: str, notes: Any, **options: Any
) -> None:
    """Append a run of a restore test to the plan's protocol (comments kept)."""
    from compiler.commands.record import Entry, run_record

    entry = Entry(test_id, outcome, duration, owner, tuple(notes), day.date() if day else None)
    _emit(lambda: run_record(_config(**options), entry))


@cli.group()
def velero() -> None:
    """Velero on demand: a backup before an upgrade."""


@velero.command(name="pre-upgrade")
@_common
@_output
@_day
@click.argument("topic")
@click.option(
    "--classes",
    default="critical,important,best-effort",
    show_default=True,
    help="Back up the namespaces of the services of these classes (comma-separated).",
)
@click.option("--write", "write", is_flag=True, help="Write the Backup instead of the command.")
def pre_upgrade(topic: str, day: Any, classes: str, write: bool, **options: Any) -> None:
    """Print the exact `velero backup create pre-TOPIC ...`, or write the Backup."""
    from compiler.commands.velero import PreUpgradeRequest, run_pre_upgrade

    chosen = tuple(c.strip() for c in classes.split(",") if c.strip())
    request = PreUpgradeRequest(topic, chosen, write, day.date() if day else None)
    _emit(lambda: run_pre_upgrade(_config(**options), request))


def batch_gc() -> None:
    """Set the cyclic garbage collector up for one short run that keeps what it builds.

    With the default thresholds (a collection every 700 new objects) the collector scans the
    growing heap of a run hundreds of times: about a seventh of the CPU time of compiling
    1,000 services (``benchmarks/README.md``). A run frees little before it exits, so it
    collects rarely, and never scans the objects the imports made (frozen).
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def no_pydantic_plugins() -> None:
    """Skip pydantic's search for plugins, unless the environment asks for them.

    The first validator pydantic builds looks for plugins in the entry points of every
    installed distribution (about 15 ms of a 0.3 s ``validate`` in a large environment);
    the compiler uses none. ``PYDANTIC_DISABLE_PLUGINS`` set to anything (empty included)
    is left as it is, so plugins can still be had.
    """
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def main() -> None:
    batch_gc()
    no_pydantic_plugins()
    cli()
