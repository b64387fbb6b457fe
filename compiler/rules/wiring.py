"""Tree rules: generated files never overwrite hand-written ones, and every backup
Component is wired into the app that kustomize builds."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.core.diagnostics import Diagnostic
from compiler.rules import TreeContext, tree_rule


@tree_rule(
    "BP401",
    "handwritten-file-in-the-way",
    "error",
    passing="kubernetes/apps/web/backup/ holds only files with the generated header",
    failing="a hand-written kubernetes/apps/web/backup/kustomization.yaml",
)
def file_in_the_way(context: TreeContext) -> Iterator[Diagnostic]:
    """A generated file never replaces a file the compiler did not generate.

    Ownership is proven by the header line; a file without it is never overwritten or
    deleted, so compiling refuses until it is moved.
    """
    inventory = context.inventory
    for planned in context.plan.files:
        if inventory.is_handwritten(planned.path):
            yield file_in_the_way.diagnostic(
                inventory.shown(planned.path),
                1,
                1,
                "a file the compiler did not generate is in the way of a generated file",
                "move or rename the hand-written file (it is never overwritten)",
            )


@tree_rule(
    "BP402",
    "component-not-listed",
    "error",
    passing="components: [./backup]  # in the app's kustomization.yaml",
    failing="resources: [deployment.yaml]  # and no components: entry",
)
def component_not_listed(context: TreeContext) -> Iterator[Diagnostic]:
    """The app's kustomization lists the generated backup Component.

    kustomize builds the app from its own kustomization.yaml; a Component it does not
    list is never applied, so its backups never exist. ``compile --fix`` adds the entry
    (comments and layout of the file kept).
    """
    if context.fix:
        return
    for wiring in context.plan.wiring:
        if wiring.state != "unlisted":
            continue
        line, col = wiring.at
        yield component_not_listed.diagnostic(
            context.inventory.shown(wiring.file),
            line,
            col,
            f"{wiring.component.service.key}: kustomization does not list the backup "
            f"Component {wiring.reference!r}; its backups would never apply",
            "run `backup-policy compile --fix` to add it",
        )


@tree_rule(
    "BP403",
    "no-app-kustomization",
    "error",
    passing="kubernetes/apps/apps/web/kustomization.yaml (or .../web/app/kustomization.yaml)",
    failing="no kustomization.yaml in the app folder: spec.appPath points elsewhere",
)
def no_app_kustomization(context: TreeContext) -> Iterator[Diagnostic]:
    """The app folder has a kustomization.yaml (in the folder or its ``app/``)."""
    for wiring in context.plan.wiring:
        if wiring.state != "missing":
            continue
        service = wiring.component.service
        folder = context.inventory.shown(wiring.component.app_dir)
        yield no_app_kustomization.at(
            service.source.doc,
            ("metadata", "name"),
            f"{service.key}: no kustomization.yaml in {folder} (or app/)",
            "point spec.appPath at the app folder; without it the backups are never applied",
        )


@tree_rule(
    "BP404",
    "app-kustomization-unreadable",
    "error",
    passing="a kustomization.yaml that parses",
    failing="resources: [deployment.yaml  # never closed",
)
def kustomization_unreadable(context: TreeContext) -> Iterator[Diagnostic]:
    """The app's kustomization.yaml can be read, so its wiring can be checked."""
    for wiring in context.plan.wiring:
        if wiring.state == "unreadable":
            line, col = wiring.at
            yield kustomization_unreadable.diagnostic(
                context.inventory.shown(wiring.file),
                line,
                col,
                f"cannot read app kustomization: {wiring.detail}",
            )


@tree_rule(
    "BP406",
    "symlink-in-output",
    "error",
    passing="kubernetes/apps/web/ is a folder of the repository",
    failing="kubernetes/apps/web is a symbolic link (to anywhere)",
)
def symlink_in_output(context: TreeContext) -> Iterator[Diagnostic]:
    """Nothing is written, fixed or removed through a symbolic link in the output tree.

    A link could point anywhere, outside the repository included; the compiler neither
    follows nor replaces it, and writes nothing while one is in the way.
    """
    inventory = context.inventory
    paths = [f.path for f in context.plan.files]
    paths += [w.file for w in context.plan.wiring if w.state == "unlisted" and context.fix]
    paths += [u.file for u in context.plan.unwiring if context.fix]
    first: dict[str, str] = {}
    for path in sorted(set(paths)):
        link = inventory.through_link(path)
        if link:
            first.setdefault(link, path)
    for link, path in sorted(first.items()):
        yield symlink_in_output.diagnostic(
            inventory.shown(link),
            1,
            1,
            f"a symbolic link in the way of generated files (such as {inventory.shown(path)})",
            "replace the link with a real folder or file of the repository",
        )


RULES = (
    file_in_the_way,
    component_not_listed,
    no_app_kustomization,
    kustomization_unreadable,
    symlink_in_output,
)
