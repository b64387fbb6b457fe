"""``backup-policy``: a thin click layer that builds a RunConfig and calls the library."""

from __future__ import annotations

import os
import sys
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


def _use_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _emit(call: Callable[[], Outcome]) -> None:
    try:
        outcome = call()
    except Exception as error:
        click.echo(f"backup-policy: internal error: {type(error).__name__}: {error}", err=True)
        click.echo("please report this with the policy that caused it", err=True)
        sys.exit(EXIT_INTERNAL)
    if _interactive():
        click.echo("\r\x1b[2K", nl=False, err=True)  # clear the progress line
    if outcome.stdout:
        click.echo(outcome.stdout, nl=False)
    if outcome.stderr:
        click.echo(outcome.stderr, nl=False, err=True)
    sys.exit(outcome.exit_code)


def _common(func: Callable[..., Any]) -> Callable[..., Any]:
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
        type=click.Choice(["text", "json", "github"]),
        default="text",
        show_default=True,
        help="Diagnostic format.",
    )(func)
    func = click.option("--verbose", "-v", is_flag=True, help="Print per-stage timings.")(func)
    for name, default, meaning in (
        ("--max-bytes", Limits.max_bytes, "Largest policy file read, in bytes."),
        ("--max-depth", Limits.max_depth, "Deepest nesting of a policy file."),
        ("--max-nodes", Limits.max_nodes, "Most values of a policy document, aliases expanded."),
    ):
        option = click.option(name, type=click.IntRange(min=1), default=default, help=meaning)
        func = option(func)
    return func


def _progress(message: str) -> None:
    click.echo(f"\r\x1b[2Kbackup-policy: {message}", nl=False, err=True)


def _interactive() -> bool:
    """Progress goes to a terminal's stderr only; pipes and CI logs stay quiet."""
    return sys.stderr.isatty() and "NO_COLOR" not in os.environ and "CI" not in os.environ


def _config(
    policies: Path,
    fmt: str,
    verbose: bool,
    max_bytes: int,
    max_depth: int,
    max_nodes: int,
    **extra: Any,
) -> RunConfig:
    return RunConfig(
        policies=policies,
        format=fmt,  # type: ignore[arg-type]
        color=_use_color() and fmt == "text",
        verbose=verbose,
        progress=_progress if _interactive() and fmt == "text" else None,
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
@_common
@click.argument("service")
def explain(service: str, **options: Any) -> None:
    """Show a service's effective protection and why."""
    from compiler.commands.explain import run_explain

    _emit(lambda: run_explain(_config(**options), service))


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


def main() -> None:
    cli()
