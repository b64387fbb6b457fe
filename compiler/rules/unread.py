"""What the compiler cannot see: a file of an app's build that the tree stage could not read."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.core.diagnostics import Diagnostic
from compiler.rules import TreeContext, tree_rule
from compiler.tree.records import TreeFile
from compiler.tree.unread import unread_in_build


@tree_rule(
    "BP424",
    "build-file-unread",
    "warning",
    passing="resources: [./helmrelease.yaml]  # UTF-8 YAML that parses",
    failing="resources: [./helmrelease.yaml]  # saved as Latin-1: not read",
)
def build_file_unread(context: TreeContext) -> Iterator[Diagnostic]:
    """Every file of an app's build is read.

    A file the app's kustomization lists (or a folder it lists holds) that is not UTF-8,
    is larger than 2 MiB, is a symbolic link, is not a regular file (a FIFO is not waited
    on) or is not valid YAML gives the compiler nothing: the PVCs, workloads and
    HelmReleases in it are unknown, so the coverage of the app's volumes (BP420) is judged
    without them, or not at all, and may pass when it should not; the targets of its
    backup patches (BP405) are not judged (kustomize fails on such a file, loudly, rather
    than skip a patch). Flux applies the file anyway, or fails on it. A file that is to stay as it
    is (a large vendored bundle without volumes) is accepted in the cluster policy:
    ``acknowledge: [{id: BP424, item: <its path as shown>, reason: ...}]``.
    """
    reported: set[str] = set()
    for service in context.analysis.services:
        found = context.inventory.app_kustomization(service.app_dir)
        if found is None:
            continue
        for tree_file in unread_in_build(context.inventory, found[0].folder):
            if tree_file.path not in reported:
                reported.add(tree_file.path)
                yield _unread(context, service.key, tree_file)


def _unread(context: TreeContext, service: str, tree_file: TreeFile) -> Diagnostic:
    shown = context.inventory.shown(tree_file.path)
    return build_file_unread.diagnostic(
        shown,
        *tree_file.error_at,
        f"this file of the app build of {service} was not read ({tree_file.error}): "
        "its PVCs and workloads are unknown, so their coverage and the backup patches' "
        "targets cannot be fully judged",
        "make it a UTF-8 YAML file (not a symbolic link, under 2 MiB) that parses",
        subjects=(shown, tree_file.path),  # acknowledged by either spelling of the file
    )


RULES = (build_file_unread,)
