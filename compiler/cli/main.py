"""``backup-policy``: a thin click layer that builds a RunConfig and calls the library."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from compiler import __version__
from compiler.cli.runner import (
    FORMATS,
    batch_gc,
    common,
    config,
    day_option,
    emit,
    exit_now,
    no_pydantic_plugins,
    output_option,
)
from compiler.core.replay import Armed

# Command modules are imported inside their command, for start-up speed: `validate` (the
# pre-commit hook) then never imports the tree, plan, render and write stages.
KIND_NAMES = ("ClusterPolicy", "RestoreTestPlan", "ServicePolicy")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="backup-policy")
def cli() -> None:
    """Compile per-service backup policies into backup manifests, alerts, drills and docs."""


@cli.command()
@common
def validate(**options: Any) -> None:
    """Check the policies only (fast; for the pre-commit hook)."""
    from compiler.commands.validate import run_validate

    emit("validate", options.get("fmt"), lambda: run_validate(config(**options)))


@cli.command()
@common
@output_option
def check(**options: Any) -> None:
    """Exit 1 with a diff if the output is not a fresh compile. Writes nothing."""
    from compiler.commands.build import run_check

    emit("check", options.get("fmt"), lambda: run_check(config(**options)))


@cli.command(name="compile")
@common
@output_option
@click.option("--fix", is_flag=True, help="Add the backup Component to app kustomizations.")
def compile_(**options: Any) -> None:
    """Write the generated manifests (only files that changed)."""
    from compiler.commands.build import run_compile

    emit("compile", options.get("fmt"), lambda: run_compile(config(**options)))


@cli.command()
@lambda func: common(func, (*FORMATS, "markdown"))
@output_option
@click.option("--base", required=True, help="The git ref to compare with, e.g. origin/main.")
def diff(base: str, **options: Any) -> None:
    """What a change does to protection, per data item, since BASE (a PR comment)."""
    from compiler.commands.diff import run_diff

    markdown = options.get("fmt") == "markdown"
    if markdown:
        options["fmt"] = "text"
    emit("diff", options.get("fmt"), lambda: run_diff(config(**options), base, markdown))


@cli.command()
@common
@click.argument("service")
def explain(service: str, **options: Any) -> None:
    """Show a service's effective protection and why."""
    from compiler.commands.explain import run_explain

    emit("explain", options.get("fmt"), lambda: run_explain(config(**options), service))


@cli.command()
@common
@output_option
def coverage(**options: Any) -> None:
    """Every PVC and replicated SQLite DB of the tree: covered, exempt or uncovered.

    Reads the tree at --output (else the cluster policy's output root); without a policy
    folder, --output is required and nothing is covered.
    """
    from compiler.commands.coverage import run_coverage

    emit("coverage", options.get("fmt"), lambda: run_coverage(config(**options)))


@cli.command(name="import")
@common
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

    emit(
        "import",
        options.get("fmt"),
        lambda: run_import(config(**options), ImportRequest(root, target)),
    )


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

    emit("schema", None, lambda: run_schema(kind))


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

    emit("rules", None, lambda: run_rules(fmt))


@cli.command()
@common
@output_option
@day_option
@click.argument("test_id", metavar="TEST-ID")
def drill(test_id: str, day: Any, **options: Any) -> None:
    """Write the manifests of one run of a restore test and print its checklist."""
    from compiler.commands.drill import run_drill

    emit(
        "drill",
        options.get("fmt"),
        lambda: run_drill(config(**options), test_id, day.date() if day else None),
    )


@cli.command()
@common
@day_option
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
    emit("record", options.get("fmt"), lambda: run_record(config(**options), entry))


@cli.group()
def velero() -> None:
    """Velero on demand: a backup before an upgrade."""


@velero.command(name="pre-upgrade")
@common
@output_option
@day_option
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
    emit("velero", options.get("fmt"), lambda: run_pre_upgrade(config(**options), request))


def main(armed: Armed | None = None) -> None:
    """Run the command line; ``armed``: the run may be remembered for replay."""
    batch_gc()
    no_pydantic_plugins()
    try:
        cli(obj=armed)
    except SystemExit as done:
        exit_now(done.code)
